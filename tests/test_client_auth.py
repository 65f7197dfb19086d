"""Client auth computed per request (a provider's `client_auth` hook): a test provider whose
charges need an HMAC over body fields and a timestamp on the sandbox clock is reached past
401 by contract fuzzing, scenario steps and the pytest fixture's clients; contract runs
lift the provider's own rate limit so fuzzing reaches past 429."""

from __future__ import annotations

import textwrap

import pytest

from sandbox.contract.runner import ContractOptions, run_contract
from sandbox.providers import REGISTRY
from sandbox.pytest_plugin import reproducible_config
from sandbox.scenario.model import parse
from sandbox.scenario.steps import run_scenario
from sandbox.server import Sandbox

CHARGE = "POST /v1/charges"


@pytest.fixture(scope="module", autouse=True)
def signedpay_registered():
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(REGISTRY, "signedpay", "tests.providers.signedpay")
        yield


@pytest.fixture(scope="module")
def signed_sandbox(signedpay_registered):
    with Sandbox(reproducible_config(), providers=["signedpay", "zwitch"]) as sb:
        yield sb


def _fuzz(**options):
    return run_contract(
        ContractOptions(apis=["signedpay"], max_examples=15, phases=["fuzzing"], **options),
        progress=lambda _: None,
    )


def test_contract_fuzzing_signs_every_request_and_reaches_past_401_and_429():
    result = _fuzz()
    charge = result.operations[("signedpay", CHARGE)]
    assert result.ok, [f.message for f in result.findings]
    # More accepted charges than the provider's two an hour: its limit was lifted.
    assert charge.statuses[201] > 2 and charge.statuses[401] == charge.statuses[429] == 0


def test_with_the_providers_limits_kept_fuzzing_meets_429():
    charge = _fuzz(lift_rate_limits=False).operations[("signedpay", CHARGE)]
    assert charge.statuses[201] == 2 and charge.statuses[429] > 0


def test_a_scenario_step_is_signed(signedpay_registered):
    scenario = parse(
        textwrap.dedent(
            """\
        name: signed-charges
        provider: signedpay
        steps:
          - request: {method: POST, path: /v1/charges, json: {amount: "10.00"}}
            expect: {status: 201, json: {merchant_id: m_one, amount: "10.00"}}
          - advance: 2h
          - request:
              method: POST
              path: /v1/charges
              tenant: m_two
              json: {amount: "20.00", note: "signed on the sandbox clock, two hours on"}
            expect: {status: 201, json: {merchant_id: m_two}}
          - request:
              method: POST
              path: /v1/charges
              auth: false
              json: {merchant_id: m_one, amount: "1.00", timestamp: 0, checksum: "%s"}
            expect: {status: 401, json: {error.code: unauthorized}}
        """
            % ("0" * 64)
        )
    )
    run = run_scenario(scenario)
    assert run.passed, run.failure


def test_the_sandboxs_clients_sign_on_the_sandbox_clock(signed_sandbox):
    with signed_sandbox.client_for("signedpay") as client:
        first = client.post("/v1/charges", json={"amount": "12.50"})
        assert first.status_code == 201, first.text
        assert first.json()["merchant_id"] == "m_one"
        signed_sandbox.advance(86_400)  # a timestamp from the wall clock would be stale now
        with signed_sandbox.client_for("signedpay", "m_two") as other:
            second = other.post("/v1/charges", json={"amount": "1.00"})
        assert second.status_code == 201, second.text
        unsigned = signed_sandbox.client().post(
            "/signedpay/v1/charges",
            json={"merchant_id": "m_one", "amount": "1.00", "timestamp": 0, "checksum": "0" * 64},
        )
        assert unsigned.status_code == 401
        assert unsigned.json()["error"]["message"] == (
            "checksum does not match merchant_id,amount,timestamp."
        )


def test_the_pytest_fixture_builds_authenticated_clients(paysandbox_client):
    a = paysandbox_client("zwitch").get("/v1/payments", params={"limit": 1})
    b = paysandbox_client("zwitch", "acc_2000000002").get("/v1/payments", params={"limit": 1})
    assert a.status_code == b.status_code == 200
    assert a.json()["data"][0]["account_id"] == "acc_1234567890"
    assert b.json()["data"][0]["account_id"] == "acc_2000000002"
