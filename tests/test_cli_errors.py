"""Every user mistake the CLI can meet ends in one line that says what to do, never a
traceback (issue 14 item 3)."""

from __future__ import annotations

import socket
import textwrap

from tests.cli_helpers import one_line_error, run_cli


def test_db_in_a_missing_directory(tmp_path):
    done = run_cli("serve", "--port", "0", "--db", str(tmp_path / "nope" / "sandbox.db"))
    one_line_error(done, "does not exist", "mkdir -p")


def test_db_that_is_not_a_database(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("shopping list\n" * 100)
    done = run_cli("serve", "--port", "0", "--db", str(notes))
    one_line_error(done, "is not a SQLite database")


def test_db_that_is_a_directory(tmp_path):
    one_line_error(run_cli("serve", "--port", "0", "--db", str(tmp_path)), "is a directory")


def test_port_in_use():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_cli("serve", "--port", str(port))
    one_line_error(done, f"port {port}", "already in use", "--port")


def test_port_out_of_range_on_the_command_line():
    one_line_error(run_cli("serve", "--port", "70000"), "out of range", "1-65535")


def test_port_out_of_range_in_a_config_file(tmp_path):
    config = tmp_path / "sandbox.yaml"
    config.write_text("port: 99999\n")
    one_line_error(run_cli("serve", "--config", str(config)), "out of range")


def test_unknown_configuration_keys_list_the_valid_ones(tmp_path):
    config = tmp_path / "sandbox.yaml"
    config.write_text("sede: 1\nclock-start: 2024-01-15T10:00:00Z\n")
    line = one_line_error(run_cli("serve", "--config", str(config)), "sede", "valid keys:")
    assert "clock_start" in line and "max_body_bytes" in line


def test_a_tenant_without_credentials(tmp_path):
    config = tmp_path / "sandbox.yaml"
    config.write_text("tenants:\n  zwitch:\n    - {id: acc_1, name: Shop}\n")
    one_line_error(
        run_cli("serve", "--port", "0", "--config", str(config)),
        "tenants.zwitch[0] lacks credentials",
    )


def test_a_webhook_endpoint_without_provider(tmp_path):
    config = tmp_path / "sandbox.yaml"
    config.write_text("webhooks:\n  - {tenant: acc_1234567890, url: 'http://127.0.0.1:9/'}\n")
    one_line_error(
        run_cli("serve", "--port", "0", "--config", str(config)), "webhooks[0] lacks provider"
    )


def test_a_webhook_endpoint_for_an_unknown_tenant(tmp_path):
    config = tmp_path / "sandbox.yaml"
    config.write_text(
        "webhooks:\n  - {provider: zwitch, tenant: acc_0, url: 'http://127.0.0.1:9/'}\n"
    )
    one_line_error(run_cli("serve", "--port", "0", "--config", str(config)), "acc_0")


def test_a_value_of_the_wrong_type(tmp_path):
    config = tmp_path / "sandbox.yaml"
    config.write_text("seed: lots\n")
    one_line_error(run_cli("serve", "--config", str(config)), "seed must be a whole number")


def test_a_config_file_that_is_not_yaml(tmp_path):
    config = tmp_path / "sandbox.yaml"
    config.write_text("seed: [1\n")
    one_line_error(run_cli("serve", "--config", str(config)), str(config))


def test_an_unknown_provider_in_the_config(tmp_path):
    config = tmp_path / "sandbox.yaml"
    config.write_text("providers: [zwitch, paypal]\n")
    one_line_error(
        run_cli("serve", "--port", "0", "--config", str(config)),
        "unknown provider 'paypal'",
        "known: zwitch",
    )


def test_tenants_for_an_unknown_provider(tmp_path):
    config = tmp_path / "sandbox.yaml"
    config.write_text(
        textwrap.dedent(
            """\
            tenants:
              paypal:
                - {id: a, name: b, credentials: {}}
            """
        )
    )
    one_line_error(run_cli("serve", "--port", "0", "--config", str(config)), "paypal")


def test_a_bad_clock_start():
    one_line_error(run_cli("serve", "--clock-start", "yesterday"), "2024-01-15T10:00:00Z")


def test_register_without_provider_and_tenant():
    done = run_cli("webhooks", "listen", "--port", "0", "--register", "zwitch")
    one_line_error(done, "PROVIDER:TENANT", "zwitch:acc_1234567890")


def test_register_with_an_unknown_provider():
    done = run_cli("webhooks", "listen", "--port", "0", "--register", "paypal:x")
    one_line_error(done, "unknown provider 'paypal'")


def test_pytest_plugin_adds_no_warnings_to_a_users_run(tmp_path):
    import subprocess
    import sys

    from tests.cli_helpers import ROOT

    (tmp_path / "test_shop.py").write_text(
        textwrap.dedent(
            """\
            def test_clock(paysandbox):
                with paysandbox.client() as client:
                    assert client.get("/_sandbox/clock").status_code == 200
            """
        )
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-W",
            "error",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:randomly",
            "test_shop.py",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={**__import__("os").environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "warning" not in done.stdout.lower(), done.stdout
