"""The fast path answers exactly as Connexion's full stack does. Schemathesis generates valid
and invalid requests for every operation of every registered provider's spec (and of the
test-only Formpay, which brings form bodies, an async API-key check and OAuth 2); each is
sent, with valid, generated or no credentials and with its own or another content type, to
two equal fresh sandboxes, one of them without the fast path, and the answers must match in
status, content type and body. The fast path must have served what it compiled, so the
test fails with it switched off."""

from __future__ import annotations

from collections import Counter

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from sandbox.providers import REGISTRY
from sandbox.resources import spec_path
from tests.providers.formpay import NAME as FORMPAY
from tests.providers.formpay import sandbox_pair

EXAMPLES = 25  # per operation and generation mode
CREDENTIALS = ("valid", "generated", "none")
CONTENT_TYPES = (
    None,  # as generated
    "",  # no Content-Type at all
    "application/merge-patch+json",
    "application/x-www-form-urlencoded",
    "Application/JSON",
    "text/plain",
    "application/json; charset=latin-1",
)


@pytest.fixture(scope="module")
def pair():
    with sandbox_pair() as sandboxes:
        yield sandboxes


def _providers() -> list[str]:
    return [*REGISTRY, FORMPAY]


def _operations(provider, name):
    schema = schemathesis.openapi.from_path(str(provider.spec or spec_path(name)))
    return [result.ok() for result in schema.get_all_operations()]


def _prepared(case, base_url, headers, credentials, content_type) -> requests.PreparedRequest:
    kwargs = case.as_transport_kwargs(base_url=base_url)
    sent = {k: v for k, v in kwargs["headers"].items() if k.lower() != "x-schemathesis-testcaseid"}
    if credentials == "valid":
        sent = {k: v for k, v in sent.items() if k.lower() not in {h.lower() for h in headers}}
        sent.update(headers)
    elif credentials == "none":
        sent = {k: v for k, v in sent.items() if k.lower() not in {h.lower() for h in headers}}
    kwargs["headers"] = sent
    prepared = requests.Request(
        **{
            k: v
            for k, v in kwargs.items()
            if k in ("method", "url", "headers", "params", "json", "data", "cookies")
        }
    ).prepare()
    if content_type is not None and prepared.body is not None:
        prepared.headers.pop("Content-Type", None)
        if content_type:
            prepared.headers["Content-Type"] = content_type
    return prepared


def _answer(session: requests.Session, prepared: requests.PreparedRequest):
    response = session.send(prepared, timeout=30, allow_redirects=False)
    return response.status_code, response.headers.get("content-type"), response.content


@pytest.mark.parametrize("name", _providers())
def test_both_paths_answer_alike_for_generated_requests(pair, name):
    fast, full = pair
    assert fast.app.fast is not None, "the fast path is switched off"
    assert full.app.fast is None
    provider = fast.runtime.providers[name]
    headers = dict(provider.client_headers(fast.runtime.tenants[name][0]))
    compiled = {op.operation_id for op in fast.app.fast.operations if op.provider.name == name}
    sent: Counter[str] = Counter()
    served_before = Counter(fast.app.fast.served)
    session = requests.Session()

    for operation in _operations(provider, name):
        operation_id = operation.definition.raw["operationId"]
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @seed(20240115)
            @settings(
                max_examples=EXAMPLES,
                database=None,
                deadline=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
                phases=[p for p in Phase if p is not Phase.shrink],
            )
            @given(
                case=operation.as_strategy(generation_mode=mode),
                credentials=st.sampled_from(CREDENTIALS),
                content_type=st.sampled_from(CONTENT_TYPES),
            )
            def run(case, credentials, content_type):
                answers = []
                for sandbox in (fast, full):
                    prepared = _prepared(
                        case, f"{sandbox.url}/{name}", headers, credentials, content_type
                    )
                    answers.append(_answer(session, prepared))
                sent[operation_id] += 1
                label = f"{prepared.method} {prepared.path_url} {prepared.headers} {prepared.body!r:.200}"
                one, other = answers
                assert one[0] == other[0], f"status differs for {label}: {one} vs {other}"
                assert one[1] == other[1], f"content type differs for {label}"
                assert one[2] == other[2], f"body differs for {label}: {one[2]!r} vs {other[2]!r}"

            run()

    assert sent, f"no requests generated for {name}"
    served = fast.app.fast.served
    for operation_id in compiled:
        # Most generated requests reach the fast path (some invalid paths match no route).
        got = served[name, operation_id] - served_before[name, operation_id]
        assert got >= sent[operation_id] // 2, (
            f"the fast path served {got} of {sent[operation_id]} requests to {operation_id}"
        )


def test_every_provider_has_operations_on_the_fast_path(pair):
    fast, _ = pair
    names = {op.provider.name for op in fast.app.fast.operations}
    assert set(_providers()) <= names
