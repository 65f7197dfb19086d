"""README's walkthrough runs as written: each provider's flow, in bash with curl and the
client verbs, against a real server started as the walkthrough says; every `# → value` it
promises is printed, in order."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.processes import serve

README = Path(__file__).resolve().parent.parent / "README.md"
_BLOCK = re.compile(r"```sh\n(.*?)```", re.DOTALL)
_PROMISE = re.compile(r"# → ([^ ;(\n]+)")


def _walkthrough() -> tuple[str, dict[str, str]]:
    """The set-up block and each flow's block, by the flow's heading."""
    text = README.read_text()
    start = text.index("## Walkthrough")
    end = text.index("\n## ", start + 1)
    section = text[start:end]
    flows: dict[str, str] = {}
    parts = re.split(r"\n### ", section)
    set_up = _BLOCK.findall(parts[0])[-1]  # the first block starts the server itself
    for part in parts[1:]:
        heading, _, body = part.partition("\n")
        flows[heading] = "\n".join(_BLOCK.findall(body))
    return set_up, flows


SET_UP, FLOWS = _walkthrough()


@pytest.fixture(scope="module")
def sandbox_url():
    served = serve("--clock-start", "2024-01-15T10:00:00Z", frozen=False)
    try:
        yield served.url
    finally:
        served.stop()


@pytest.mark.skipif(
    not shutil.which("curl") or not shutil.which("openssl"), reason="needs curl and openssl"
)
@pytest.mark.parametrize("flow", list(FLOWS))
def test_the_walkthrough_flow_runs_as_written(sandbox_url, flow):
    script = FLOWS[flow]
    assert script.strip(), f"{flow}: no shell block"
    bin_dir = str(Path(sys.executable).parent)  # where `paysandbox` is installed
    env = {**os.environ, "PAYSANDBOX_URL": sandbox_url, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", SET_UP + "\n" + script],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, f"{flow}:\n{done.stdout}\n{done.stderr}"
    printed = done.stdout.splitlines()
    for promise in _PROMISE.findall(script):
        assert promise in printed, f"{flow}: {promise!r} not printed:\n{done.stdout}"
        printed = printed[printed.index(promise) + 1 :]
