"""Small ASGI helpers shared by the layers that need a request body before the app does."""

from __future__ import annotations

from starlette.types import Message, Receive

RAW_BODY = "paysandbox.raw_body"  # scope key: the exact bytes posted to the test inbox


async def read_body(receive: Receive) -> bytes:
    """The whole request body."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks)
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


def replay(body: bytes) -> Receive:
    """A `receive` that hands the app an already read body."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive
