"""Shared fixtures: HTTP clients for the session's sandbox whose every response is checked
against the spec of the API it came from (documented status, schema-valid body)."""

from __future__ import annotations

from typing import Callable, Iterator

import httpx
import pytest
import schemathesis

from sandbox.resources import spec_path
from sandbox.server import Sandbox

ZWITCH_A = {"Authorization": "Bearer ak_test_sandbox:sk_test_sandbox"}
ZWITCH_B = {"Authorization": "Bearer ak_test_other:sk_test_other"}


class SpecConformance:
    """Validates responses against the spec of the prefix they were served under."""

    def __init__(self) -> None:
        self._schemas: dict[str, object] = {}
        self.checked = 0

    def _schema(self, name: str):
        if name not in self._schemas:
            self._schemas[name] = schemathesis.openapi.from_path(str(spec_path(name)))
        return self._schemas[name]

    def __call__(self, response: httpx.Response) -> None:
        response.read()
        path = response.request.url.path
        prefix, _, rest = path.lstrip("/").partition("/")
        prefix = "sandbox" if prefix == "_sandbox" else prefix  # the control API's spec
        if not spec_path(prefix).exists() or "/hosted/" in path or "/ui" in path:
            return
        operation = self._schema(prefix).find_operation_by_path(response.request.method, "/" + rest)
        if operation is None:
            return  # an undocumented path: the test asserts its 404 itself
        documented = operation.definition.raw["responses"]
        status = str(response.status_code)
        assert status in documented or f"{status[0]}XX" in documented or "default" in documented, (
            f"{response.request.method} {path} answered {status}, which its spec does not "
            f"document ({sorted(documented)}): {response.text[:300]}"
        )
        try:
            response.request.content
        except httpx.RequestNotRead:
            return  # a streamed body cannot be re-read for the checker's report; status checked
        operation.validate_response(response)
        self.checked += 1


@pytest.fixture(scope="session")
def conformance() -> SpecConformance:
    return SpecConformance()


@pytest.fixture
def sb(paysandbox: Sandbox) -> Sandbox:
    """The session sandbox, reset to its seeded start state (frozen at 2024-01-15 10:00Z)."""
    return paysandbox


@pytest.fixture
def client_for(sb: Sandbox, conformance: SpecConformance) -> Iterator[Callable[..., httpx.Client]]:
    """Builds spec-checked clients: client_for("zwitch", headers=...)."""
    clients: list[httpx.Client] = []

    def build(prefix: str, headers: dict[str, str] | None = None) -> httpx.Client:
        client = httpx.Client(
            base_url=f"{sb.url}/{prefix}",
            headers=headers or {},
            event_hooks={"response": [conformance]},
            timeout=30,
        )
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.close()


@pytest.fixture
def zwitch(client_for) -> httpx.Client:
    """Zwitch client authenticated as tenant A (acc_1234567890)."""
    return client_for("zwitch", ZWITCH_A)


@pytest.fixture
def zwitch_b(client_for) -> httpx.Client:
    """Zwitch client authenticated as tenant B (acc_2000000002)."""
    return client_for("zwitch", ZWITCH_B)


@pytest.fixture
def control(client_for) -> httpx.Client:
    """Client of the control API."""
    return client_for("_sandbox")
