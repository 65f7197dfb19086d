"""pytest fixtures: `paysandbox_server` (one sandbox per session) and `paysandbox` (the same
server, reset to its seeded start state before each test)."""

from __future__ import annotations

from typing import Iterator

import pytest

from sandbox.config import SandboxConfig
from sandbox.server import Sandbox

# Tests are reproducible: a fixed seed and a frozen clock at a fixed instant.
TEST_CONFIG = SandboxConfig(seed=20240115, clock_start="2024-01-15T10:00:00Z",
                            clock_frozen=True, validate_responses=True)


@pytest.fixture(scope="session")
def paysandbox_server() -> Iterator[Sandbox]:
    """A sandbox server shared by the session."""
    with Sandbox(TEST_CONFIG) as sandbox:
        yield sandbox


@pytest.fixture
def paysandbox(paysandbox_server: Sandbox) -> Sandbox:
    """The session's sandbox, reset to its seeded start state."""
    paysandbox_server.reset()
    return paysandbox_server
