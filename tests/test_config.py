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


def test_the_example_names_every_key_and_loads_as_the_defaults(tmp_path):
    from dataclasses import fields

    from sandbox.config import example

    text = example()
    for item in fields(SandboxConfig):
        assert f"\n{item.name}:" in text or f"\n# {item.name}:" in text, item.name
    path = tmp_path / "example.yaml"
    path.write_text(text)
    assert SandboxConfig.from_file(path) == SandboxConfig()
    # The commented examples are valid settings too.
    groups = text.split("\n\n")
    uncommented = "\n\n".join(
        [groups[0]]
        + [
            "\n".join([group.splitlines()[0]] + [_uncomment(x) for x in group.splitlines()[1:]])
            for group in groups[1:]
        ]
    )
    path.write_text(uncommented)
    loaded = SandboxConfig.from_file(path)
    assert loaded.db == "sandbox.db" and loaded.webhooks[0]["provider"] == "zwitch"


def test_config_example_command_prints_it(capsys):
    from sandbox.cli import main
    from sandbox.config import example

    assert main(["config", "--example"]) == 0
    assert capsys.readouterr().out == example()


def test_keys_take_dashes_or_underscores(tmp_path):
    path = tmp_path / "sandbox.yaml"
    path.write_text("clock-start: 2024-01-15T10:00:00Z\nclock_frozen: true\nmax-body-bytes: 10\n")
    config = SandboxConfig.from_file(path)
    assert config.clock_start == "2024-01-15T10:00:00Z"
    assert config.clock_frozen and config.max_body_bytes == 10


def test_every_serve_option_is_a_configuration_key_of_the_same_name():
    from dataclasses import fields

    from sandbox.cli import parser

    serve = parser()._subparsers._group_actions[0].choices["serve"]
    keys = {item.name for item in fields(SandboxConfig)}
    for action in serve._actions:
        if action.dest in ("help", "config"):
            continue
        assert action.dest in keys, action.option_strings
        flag = "--" + action.dest.replace("_", "-")
        # a repeatable option is named in the singular: --scenario FILE fills scenarios
        names = {flag, f"--no-{action.dest}", flag.removesuffix("s")}
        assert names & set(action.option_strings), action.option_strings


def _uncomment(line: str) -> str:
    return line[2:] if line.startswith("# ") else line
