"""A real webhook receiver on loopback that can answer errors or be switched off."""

from __future__ import annotations

import json
from typing import Iterator

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from sandbox.server import BackgroundServer


class Receiver:
    """Records every request; answers `status`; `stop()` makes connections fail and
    `start()` brings it back on the same port."""

    def __init__(self) -> None:
        self.port = 0  # the first start binds a free port itself; restarts reuse it
        self.url = ""
        self.status = 200
        self.received: list[tuple[dict[str, str], bytes]] = []
        self._server: BackgroundServer | None = None

    def _app(self) -> Starlette:
        async def hook(request: Request) -> JSONResponse:
            self.received.append(
                ({k.lower(): v for k, v in request.headers.items()}, await request.body())
            )
            return JSONResponse({"ok": True}, status_code=self.status)

        return Starlette(routes=[Route("/hooks", hook, methods=["POST"])])

    def start(self) -> None:
        self._server = BackgroundServer(self._app(), port=self.port).start()
        self.port = int(self._server.url.rsplit(":", 1)[1])
        self.url = f"{self._server.url}/hooks"

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def events(self) -> list[tuple[str, str]]:
        """(resource id, event) of every request received, in arrival order."""
        out = []
        for _, body in self.received:
            payload = json.loads(body)
            out.append((payload.get("id"), payload["event"]))
        return out


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    found.start()
    yield found
    found.stop()


@pytest.fixture
def hooked(sb, control, receiver):
    """Tenant A's webhooks go to the receiver; the seeded in-flight payments are settled
    first so that only what a test does is sent."""
    sb.advance(60)
    control.put("/webhooks/endpoints/zwitch/acc_1234567890", json={"url": receiver.url})
    yield receiver
    control.delete("/webhooks/endpoints/zwitch/acc_1234567890")


def deliver(control) -> list[dict]:
    """Attempts everything that is due; returns what was attempted."""
    return control.post("/webhooks/deliver").json()["data"]
