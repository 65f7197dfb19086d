"""pytest fixtures: `paysandbox_server` (one sandbox per session) and `paysandbox` (the same
server, reset to its seeded start state before each test, with the scenarios named by
`@pytest.mark.paysandbox_scenario("file.yaml", ...)` loaded)."""

from __future__ import annotations

from typing import Iterator

import pytest

from sandbox.config import SandboxConfig
from sandbox.server import Sandbox

# Tests are reproducible: a fixed seed and a frozen clock at a fixed instant.
TEST_CONFIG = SandboxConfig(
    seed=20240115, clock_start="2024-01-15T10:00:00Z", clock_frozen=True, validate_responses=True
)


@pytest.fixture(scope="session")
def paysandbox_server() -> Iterator[Sandbox]:
    """A sandbox server shared by the session."""
    with Sandbox(TEST_CONFIG) as sandbox:
        yield sandbox


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "paysandbox_scenario(*files): load these scenarios into the paysandbox fixture"
    )


@pytest.fixture
def paysandbox(paysandbox_server: Sandbox, request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    """The session's sandbox, reset to its seeded start state, with the test's scenarios."""
    paysandbox_server.unload_scenarios()
    paysandbox_server.reset()
    for marker in request.node.iter_markers("paysandbox_scenario"):
        for path in marker.args:
            paysandbox_server.load_scenario(path)
    yield paysandbox_server
    paysandbox_server.unload_scenarios()
