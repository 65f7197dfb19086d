"""Running the sandbox: `Sandbox` starts a real server in-process (tests, scripts), and
`serve` runs it in the foreground (the CLI)."""

from __future__ import annotations

import json
import os
import secrets
import tempfile
import threading
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import uvicorn

from sandbox.app import CONFIG_VARIABLE, build_app, freeze_startup_objects
from sandbox.config import SandboxConfig
from sandbox.guard import token_headers, with_control_token
from sandbox.httpserver import BOUNDED_HTTPTOOLS
from sandbox.runtime import Runtime

if TYPE_CHECKING:
    import httpx

    from sandbox.journal import SandboxASGI
    from sandbox.scenario.model import Scenario


class BackgroundServer:
    """Any ASGI app served by uvicorn on a loopback port, in a background thread."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0, **options: Any) -> None:
        self._server = uvicorn.Server(
            uvicorn.Config(
                app,
                host=host,
                port=port,
                log_level="error",
                lifespan="on",
                access_log=False,
                **options,
            )
        )
        self._thread = threading.Thread(target=self._server.run, name="paysandbox", daemon=True)
        self.host = host
        self.url = ""

    def start(self) -> "BackgroundServer":
        """Starts serving and waits until connections are accepted."""
        self._thread.start()
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the server failed to start; see the log above")
            self._thread.join(0.01)
        self.port = self._server.servers[0].sockets[0].getsockname()[1]
        host = f"[{self.host}]" if ":" in self.host else self.host
        self.url = f"http://{host}:{self.port}"
        return self

    def stop(self) -> None:
        """Stops serving (waits for the thread)."""
        self._server.should_exit = True
        self._thread.join(10)

    def __enter__(self) -> "BackgroundServer":
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


class Sandbox:
    """A sandbox server on a free loopback port, in a background thread.

    with Sandbox() as sb:
        requests.get(sb.url + "/zwitch/v1/payments", headers=...)
    """

    def __init__(self, config: SandboxConfig | None = None, **options: Any) -> None:
        base = config or SandboxConfig()
        # A free port unless one is asked for, so parallel test runs never collide.
        self.config = with_control_token(replace(base, **{"port": 0, **options}))
        self.runtime: Runtime | None = None
        self.app: SandboxASGI | None = None  # tests read `app.fast.served`
        self._server: BackgroundServer | None = None
        self.url = ""

    def start(self) -> "Sandbox":
        """Builds the runtime and app and waits until the server accepts connections."""
        self.runtime = Runtime(self.config)
        self.app = build_app(self.runtime)
        self._server = BackgroundServer(
            self.app, self.config.host, self.config.port, **server_limits(self.config)
        ).start()
        # The port chosen by the system is the one the sandbox must recognise as itself.
        self.config.port = self.runtime.config.port = self._server.port
        self.url = self._server.url
        self.runtime.served_url = self.url
        return self

    def stop(self) -> None:
        """Stops the server and closes the store."""
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self.runtime is not None:
            self.runtime.close()

    def __enter__(self) -> "Sandbox":
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # -- conveniences for tests and scripts -------------------------------------------

    def provider_url(self, provider: str) -> str:
        """Base URL a client of `provider` should use."""
        return f"{self.url}/{provider}"

    @property
    def token(self) -> str | None:
        """The control token clients must send (None when none is required)."""
        return self.config.control_token

    def client(self, **kwargs: Any) -> "httpx.Client":
        """An httpx client with this sandbox as base URL (sending the control token)."""
        import httpx  # a Connexion dependency; imported here to keep start-up light

        headers = {**token_headers(self.token), **kwargs.pop("headers", {})}
        return httpx.Client(base_url=self.url, headers=headers, **kwargs)

    def client_for(self, provider: str, tenant: str | None = None, **kwargs: Any) -> "httpx.Client":
        """An httpx client of `provider` (base URL `/<provider>`) authenticated as `tenant`
        (the provider's first one by default): the provider's client auth computes the
        credentials of every request as it is sent, on the sandbox clock."""
        import httpx

        from sandbox.clientauth import ProviderAuth

        assert self.runtime is not None
        rt = self.runtime
        chosen = rt.tenants[provider][0] if tenant is None else rt.tenant(provider, tenant)
        auth = ProviderAuth(rt.providers[provider], chosen, rt.clock.now_ms, f"/{provider}")
        return httpx.Client(base_url=self.provider_url(provider), auth=auth, **kwargs)

    def reset(self) -> None:
        """Back to the seeded start state."""
        assert self.runtime is not None
        self.runtime.reset()

    def load_scenario(self, scenario: "str | Path | Scenario") -> dict[str, str]:
        """Loads a scenario (a file or a parsed one); returns its fixture ids by name."""
        from sandbox.scenario.model import Scenario, load

        assert self.runtime is not None
        parsed = scenario if isinstance(scenario, Scenario) else load(scenario)
        return self.runtime.load_scenario(parsed).fixtures

    def unload_scenarios(self) -> None:
        """Unloads every loaded scenario; provider defaults apply again."""
        assert self.runtime is not None
        for name in list(self.runtime.scenarios):
            self.runtime.unload_scenario(name)

    def advance(self, seconds: float) -> int:
        """Moves the clock forward; returns how many transitions fired."""
        assert self.runtime is not None
        return self.runtime.advance(seconds)


def head_cutoff(config: SandboxConfig) -> int:
    """Bytes of a request head the HTTP server buffers at most; heads between the configured
    limit and this one get the sandbox's own 431, larger ones the server's."""
    return max(4 * config.max_header_bytes, 256 * 1024)


def server_limits(config: SandboxConfig) -> dict[str, Any]:
    """uvicorn options that stop absurd request heads before they are buffered whole, with
    whichever HTTP implementation uvicorn picks (h11 has an option for it; httptools, chosen
    when installed, has none and would buffer a 50 MB header whole)."""
    limits: dict[str, Any] = {"h11_max_incomplete_event_size": head_cutoff(config)}
    if BOUNDED_HTTPTOOLS is not None:
        limits["http"] = BOUNDED_HTTPTOOLS
    return limits


def serve(config: SandboxConfig) -> None:
    """Runs the sandbox in the foreground until interrupted; with several workers, each is
    a process serving the same SQLite file (WAL), which holds all shared state."""
    config = with_control_token(config)
    if config.page_secret is None:
        # Workers must agree on the key of the hosted pages' form tokens.
        config = replace(config, page_secret=secrets.token_hex(16))
    if config.workers <= 1:
        runtime = Runtime(config)
        app = build_app(runtime)
        freeze_startup_objects()
        try:
            uvicorn.run(
                app,
                host=config.host,
                port=config.port,
                log_level="warning" if config.banner else "info",
                access_log=False,
                **server_limits(config),
            )
        finally:
            runtime.close()
        return
    scratch = None
    if config.db is None:
        scratch = tempfile.TemporaryDirectory(prefix="paysandbox-")
        config = replace(config, db=str(Path(scratch.name) / "sandbox.db"))
        print(f"--workers needs a database file shared by the workers: using {config.db}")
    # Seeding, start-up scenarios and webhook endpoints happen once, here; the workers
    # only open what is in the file.
    Runtime(config).close()
    worker_config = replace(config, scenarios=[], webhooks=[])
    os.environ[CONFIG_VARIABLE] = json.dumps(asdict(worker_config))
    try:
        uvicorn.run(
            "sandbox.app:worker_app",
            factory=True,
            workers=config.workers,
            host=config.host,
            port=config.port,
            log_level="warning" if config.banner else "info",
            access_log=False,
            **server_limits(config),
        )
    finally:
        if scratch is not None:
            scratch.cleanup()
