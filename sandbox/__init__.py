"""paysandbox: a stateful contract-testing sandbox for Indian payment-gateway APIs."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

# Connexion imports Starlette's test client at start-up; Starlette 1.x warns about its
# httpx backend on that import, which would print on every command.
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")

if TYPE_CHECKING:
    from sandbox.config import SandboxConfig
    from sandbox.server import Sandbox

__all__ = ["Sandbox", "SandboxConfig"]
__version__ = "0.1.0"

# The pytest plugin imports this package in every test run of every project that installs
# paysandbox, so the server (Connexion, Starlette, Faker, ...) loads only when first used.
_LAZY = {"Sandbox": "sandbox.server", "SandboxConfig": "sandbox.config"}


def __getattr__(name: str) -> Any:
    """Imports `Sandbox` and `SandboxConfig` on first use."""
    if name not in _LAZY:
        raise AttributeError(f"module 'sandbox' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value
