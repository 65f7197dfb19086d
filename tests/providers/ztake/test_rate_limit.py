"""Rate limiting: off by default; a per-key limit from configuration (a tenant's
`profile.rate_limit`) or from a scenario answers 429 with Retry-After on the sandbox clock."""

from __future__ import annotations

import httpx

from sandbox.config import SandboxConfig
from sandbox.providers.ztake.seed import DEFAULT_TENANTS
from sandbox.server import Sandbox
from tests.providers.ztake.conftest import KEY_A, KEY_B

ORDER = "/ztake/api/v1/orders/ZTK9182398129"


def test_there_is_no_limit_by_default(ztake):
    assert all(ztake.get(ORDER[6:]).status_code == 200 for _ in range(30))


def test_a_configured_per_key_limit(conformance):
    tenants = [t.to_dict() for t in DEFAULT_TENANTS]
    tenants[0]["profile"]["rate_limit"] = {"limit": 3, "per": "1m"}
    config = SandboxConfig(
        seed=20240115,
        clock_start="2024-01-15T10:00:20Z",
        clock_frozen=True,
        validate_responses=True,
        providers=["ztake"],
        tenants={"ztake": tenants},
    )
    with (
        Sandbox(config) as sb,
        httpx.Client(base_url=sb.url, event_hooks={"response": [conformance]}) as client,
    ):
        answers = [client.get(ORDER, headers=KEY_A) for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        limited = answers[-1]
        assert limited.headers["Retry-After"] == "40"  # the window ends at 10:01:00
        assert limited.json()["code"] == "rate_limited"
        # Another vendor's key has its own (here: no) limit.
        assert client.get("/ztake/api/v1/orders/ZTK0000000000", headers=KEY_B).status_code == 404
        sb.advance(40)
        assert client.get(ORDER, headers=KEY_A).status_code == 200


def test_a_scenario_limits_one_vendor(sb, ztake, ztake_b, control):
    scenario = {
        "name": "ztake-limit",
        "provider": "ztake",
        "faults": [
            {
                "match": {"tenant": "ZV1001", "operation": "get_order"},
                "rate_limit": {"limit": 2, "per": "1m"},
            },
        ],
    }
    assert control.post("/scenarios", json=scenario).status_code == 201
    codes = [ztake.get(ORDER[6:]).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert ztake_b.get("/api/v1/orders/ZTK0000000000").status_code == 404
    sb.advance(60)
    assert ztake.get(ORDER[6:]).status_code == 200
