"""Path-suffix formats (`/payments.json`, `/payments.xml`): some gateways serve one resource
in several representations chosen by a suffix. The suffix is stripped before routing, so a
spec documents each path once, and a JSON answer is re-encoded for the client afterwards
(error answers included). Only a path that names an operation once stripped loses its
suffix: `/<prefix>/openapi.json` and Swagger UI's files keep theirs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable

from starlette.types import Message, Scope, Send


@dataclass(frozen=True)
class Representation:
    """A suffix, the media type it stands for, and how to encode a JSON value into it
    (None: the JSON answer is passed through)."""

    suffix: str
    media_type: str
    encode: Callable[[Any], bytes] | None = None


def strip_suffix(
    scope: Scope,
    representations: tuple[Representation, ...],
    is_operation: Callable[[str], bool],
) -> tuple[Scope, Representation | None]:
    """The scope with a known suffix removed from its path when what remains is an
    operation's path (`is_operation`), and the representation asked (None: path unchanged)."""
    path = scope["path"]
    for representation in representations:
        if path.endswith(representation.suffix) and len(path) > len(representation.suffix):
            stripped = path[: -len(representation.suffix)]
            if not is_operation(stripped):
                continue
            return {**scope, "path": stripped, "raw_path": stripped.encode()}, representation
    return scope, None


def reencoding(send: Send, representation: Representation) -> Send:
    """A `send` that turns the JSON response into `representation` (buffering the body)."""
    if representation.encode is None:
        return send
    encode = representation.encode
    started: dict[str, Any] = {}
    chunks: list[bytes] = []

    async def send_encoded(message: Message) -> None:
        if message["type"] == "http.response.start":
            started.update(message)
            return
        if message["type"] != "http.response.body":
            await send(message)
            return
        chunks.append(message.get("body", b""))
        if message.get("more_body"):
            return
        headers = [
            (k, v)
            for k, v in started.get("headers", [])
            if k.lower() not in (b"content-type", b"content-length")
        ]
        body = b"".join(chunks)
        content_type = dict(started.get("headers", [])).get(b"content-type", b"")
        if b"json" in content_type and body:
            body = encode(json.loads(body))
            content_type = representation.media_type.encode()
        headers += [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
        await send({**started, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return send_encoded
