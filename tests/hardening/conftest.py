"""Sandboxes with their own configuration (a token, small limits), for hardening tests."""

from __future__ import annotations

from typing import Callable, Iterator

import pytest

from sandbox.config import SandboxConfig
from sandbox.server import Sandbox

FROZEN = {"clock_start": "2024-01-15T10:00:00Z", "clock_frozen": True, "validate_responses": True}


@pytest.fixture
def sandbox_with() -> Iterator[Callable[..., Sandbox]]:
    """Starts a sandbox with these configuration values (stopped after the test)."""
    started: list[Sandbox] = []

    def start(**options: object) -> Sandbox:
        sandbox = Sandbox(SandboxConfig(**{**FROZEN, **options})).start()
        started.append(sandbox)
        return sandbox

    yield start
    for sandbox in started:
        sandbox.stop()
