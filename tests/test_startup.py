"""Start-up cost: the pytest plugin loads in every test run of every project that installs
paysandbox, so importing the package and the plugin must not load the server."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("connexion", "starlette", "schemathesis", "faker", "uvicorn", "flask", "hypothesis")


def test_importing_the_package_and_the_plugin_loads_no_server():
    code = (
        "import sandbox, sandbox.pytest_plugin, sys\n"
        "print(len(sys.modules))\n"
        f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    count, loaded = (done.stdout.splitlines() + [""])[:2]
    assert loaded == "", f"importing sandbox loaded {loaded} ({count} modules)"


def test_the_lazy_names_still_resolve():
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sandbox; from sandbox import Sandbox, SandboxConfig; "
            "print(Sandbox.__module__, SandboxConfig().seed)",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.split() == ["sandbox.server", "20240115"]
