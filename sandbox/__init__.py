"""paysandbox: a stateful contract-testing sandbox for Indian payment-gateway APIs."""

import warnings

# Connexion imports Starlette's test client at start-up; Starlette 1.x warns about its
# httpx backend on that import, which would print on every command.
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")

from sandbox.config import SandboxConfig  # noqa: E402
from sandbox.server import Sandbox  # noqa: E402

__all__ = ["Sandbox", "SandboxConfig"]
__version__ = "0.1.0"
