"""Configuration: a YAML file, replaced default tenants, webhook endpoints at start."""

from __future__ import annotations

import httpx
import pytest
import yaml

from sandbox.config import SandboxConfig
from sandbox.server import Sandbox

TENANT = {
    "id": "acc_9000000009",
    "name": "Chai Point",
    "credentials": {
        "access_key": "ak_chai",
        "secret_key": "sk_chai",
        "webhook_secret": "whsec_chai",
    },
    "profile": {"accounts": ["acc_9000000009"], "merchant_name": "Chai Point", "users_id": 1},
}


def test_a_config_file_replaces_the_default_tenants(tmp_path):
    path = tmp_path / "sandbox.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "seed": 7,
                "clock_start": "2024-01-15T10:00:00Z",
                "clock_frozen": True,
                "tenants": {"zwitch": [TENANT]},
                "webhooks": [
                    {
                        "provider": "zwitch",
                        "tenant": "acc_9000000009",
                        "url": "http://127.0.0.1:9/hooks",
                    }
                ],
            }
        )
    )
    config = SandboxConfig.from_file(path, port=None)
    with Sandbox(config) as sb:
        credentials = httpx.get(sb.url + "/_sandbox/credentials").json()["zwitch"]
        assert [t["id"] for t in credentials] == ["acc_9000000009"]
        assert credentials[0]["headers"] == {"Authorization": "Bearer ak_chai:sk_chai"}
        listed = httpx.get(sb.url + "/zwitch/v1/payments", headers=credentials[0]["headers"]).json()
        assert listed["pagination"]["total"] >= 20  # seeded for the configured tenant
        refused = httpx.get(
            sb.url + "/zwitch/v1/payments",
            headers={"Authorization": "Bearer ak_test_sandbox:sk_test_sandbox"},
        )
        assert refused.status_code == 401
        endpoints = httpx.get(sb.url + "/_sandbox/webhooks/endpoints").json()["data"]
        assert [e for e in endpoints if e["provider"] == "zwitch"] == [
            {
                "provider": "zwitch",
                "tenant": "acc_9000000009",
                "url": "http://127.0.0.1:9/hooks",
                "secret": "whsec_chai",
            }
        ]


def test_unknown_configuration_keys_are_refused(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("seed: 1\nsede: 2\n")
    with pytest.raises(ValueError, match="unknown configuration key"):
        SandboxConfig.from_file(path)
