"""paysandbox: a stateful contract-testing sandbox for Indian payment-gateway APIs."""

import warnings

# Connexion imports Starlette's test client at start-up; Starlette 1.x warns about its
# httpx backend on that import, which would print on every command.
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")

with warnings.catch_warnings():
    # Connexion 3 imports jsonschema's deprecated RefResolver on import. Those warnings are
    # our dependencies' business: they must not land in a user's test output (the pytest
    # plugin imports this package) or on every command.
    warnings.simplefilter("ignore", DeprecationWarning)
    from sandbox.config import SandboxConfig  # noqa: E402
    from sandbox.server import Sandbox  # noqa: E402

__all__ = ["Sandbox", "SandboxConfig"]
__version__ = "0.1.0"
