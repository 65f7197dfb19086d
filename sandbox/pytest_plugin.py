"""pytest fixtures: `paysandbox_server` (one sandbox per session), `paysandbox` (the same
server, reset to its seeded start state before each test, with the scenarios named by
`@pytest.mark.paysandbox_scenario("file.yaml", ...)` loaded) and `paysandbox_client`
(clients of one provider and tenant whose credentials are computed for every request).

The plugin is loaded in every test run of every project that installs paysandbox, so it
imports the server only inside the fixtures that start one."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Callable, Iterator

import pytest

if TYPE_CHECKING:
    import httpx

    from sandbox.config import SandboxConfig
    from sandbox.server import Sandbox


def reproducible_config() -> "SandboxConfig":
    """Tests are reproducible: a fixed seed and a frozen clock at a fixed instant."""
    from sandbox.config import SandboxConfig

    return SandboxConfig(
        seed=20240115,
        clock_start="2024-01-15T10:00:00Z",
        clock_frozen=True,
        validate_responses=True,
    )


def __getattr__(name: str) -> object:
    """`TEST_CONFIG`, built on first use (importing it at load time would load the server)."""
    if name == "TEST_CONFIG":
        return reproducible_config()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _server_class() -> type["Sandbox"]:
    # The server's dependencies warn while they import (Connexion's use of jsonschema's
    # RefResolver, Starlette's test client): their business, never a user's test output,
    # even under `-W error`.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from sandbox.server import Sandbox
    return Sandbox


@pytest.fixture(scope="session")
def paysandbox_server() -> Iterator["Sandbox"]:
    """A sandbox server shared by the session."""
    with _server_class()(reproducible_config()) as sandbox:
        yield sandbox


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "paysandbox_scenario(*files): load these scenarios into the paysandbox fixture"
    )


_STARLETTE_TESTCLIENT = "Using `httpx` with `starlette.testclient`"


def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    # The server loads inside pytest's warning capture (from a conftest or a test module),
    # where the filter `import sandbox` set is overridden: set it again there, and for
    # the later phases the way pytest applies filters.
    warnings.filterwarnings("ignore", message=_STARLETTE_TESTCLIENT)
    early_config.addinivalue_line("filterwarnings", f"ignore:{_STARLETTE_TESTCLIENT}")


@pytest.fixture
def paysandbox(paysandbox_server: "Sandbox", request: pytest.FixtureRequest) -> Iterator["Sandbox"]:
    """The session's sandbox, reset to its seeded start state, with the test's scenarios."""
    paysandbox_server.unload_scenarios()
    paysandbox_server.reset()
    for marker in request.node.iter_markers("paysandbox_scenario"):
        for path in marker.args:
            paysandbox_server.load_scenario(path)
    yield paysandbox_server
    paysandbox_server.unload_scenarios()


@pytest.fixture
def paysandbox_client(paysandbox: "Sandbox") -> Iterator[Callable[..., "httpx.Client"]]:
    """Builds httpx clients of the test's sandbox: `paysandbox_client("zwitch")` is
    authenticated as the provider's first tenant, `tenant="..."` picks another. The
    provider's client auth hook signs every request as it is sent."""
    clients: list[httpx.Client] = []

    def build(provider: str, tenant: str | None = None, **options: object) -> "httpx.Client":
        client = paysandbox.client_for(provider, tenant, **options)
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.close()
