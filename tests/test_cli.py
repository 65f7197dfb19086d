"""The `paysandbox` command's non-server subcommands."""

from __future__ import annotations

import json

from sandbox.cli import main


def test_credentials_json_lists_the_default_tenants(capsys):
    assert main(["credentials", "--json"]) == 0
    tenants = json.loads(capsys.readouterr().out)
    zwitch = {t["id"]: t for t in tenants["zwitch"]}
    assert zwitch["acc_1234567890"]["credentials"]["authorization"] == (
        "Bearer ak_test_sandbox:sk_test_sandbox"
    )
    assert zwitch["acc_1234567890"]["credentials"]["webhook_secret"] == "whsec_test_zwitch"
    assert zwitch["acc_2000000002"]["credentials"]["authorization"] == (
        "Bearer ak_test_other:sk_test_other"
    )


def test_credentials_prints_a_readable_table(capsys):
    assert main(["credentials"]) == 0
    out = capsys.readouterr().out
    assert "zwitch:" in out and "acc_1234567890 (TechMart India)" in out
    assert "access_key: ak_test_sandbox" in out


def test_simulate_command_drives_a_running_sandbox(paysandbox, capsys):
    import httpx

    from tests.conftest import ZWITCH_A

    payment = httpx.post(
        f"{paysandbox.url}/zwitch/v1/accounts/acc_1234567890/payments/upi/collect",
        json={"amount": 5},
        headers=ZWITCH_A,
    ).json()
    assert (
        main(["simulate", "zwitch", payment["id"], "complete", "--base-url", paysandbox.url]) == 0
    )
    assert '"state": "completed"' in capsys.readouterr().out
    assert main(["simulate", "zwitch", payment["id"], "fail", "--base-url", paysandbox.url]) == 1
    assert '"allowed": []' in capsys.readouterr().out


def test_serve_refuses_a_bad_scenario_with_its_line(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nsteps:\n  - advance: never\n")
    assert main(["serve", "--scenario", str(bad), "--port", "0"]) == 2
    assert f"{bad}:3:" in capsys.readouterr().err


def test_serve_refuses_a_bad_config_file(tmp_path, capsys):
    bad = tmp_path / "config.yaml"
    bad.write_text("sede: 1\n")
    assert main(["serve", "--config", str(bad)]) == 2
    assert "unknown configuration key" in capsys.readouterr().err
