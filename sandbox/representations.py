"""Path-suffix formats (`/payments.json`, `/payments.xml`): some gateways serve one resource
in several representations chosen by a suffix. The suffix is stripped before routing, so a
spec documents each path once, and a JSON answer is re-encoded for the client afterwards
(error answers included). Only a path that names an operation once stripped loses its
suffix: `/<prefix>/openapi.json` and Swagger UI's files keep theirs.

Some clients put the suffix after the query instead (ZazPay's public PHP client asks for
`/payments?website_id=123456.json`); a query ending in a known suffix is read the same way.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Callable
from xml.sax.saxutils import escape, quoteattr

from starlette.types import Message, Scope, Send


@dataclass(frozen=True)
class Representation:
    """A suffix, the media type it stands for, and how to encode a JSON value into it
    (None: the JSON answer is passed through)."""

    suffix: str
    media_type: str
    encode: Callable[[Any], bytes] | None = None


_XML_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9._-]*\Z")
# Characters XML 1.0 cannot carry at all (JSON can): replaced, so any answer encodes.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def to_xml(value: Any, root: str = "response") -> bytes:
    """A JSON value as an XML document: an object's keys become elements, a list under a key
    repeats that key's element once per item (the usual array-to-XML convention of PHP
    frameworks), scalars become text (true / false, numbers as JSON writes them, null
    empty). A key that is not an XML name becomes `<item key="...">`."""
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n']
    _element(parts, root, value)
    return "".join(parts).encode("utf-8")


def _element(parts: list[str], key: str, value: Any) -> None:
    if _XML_NAME.match(key):
        opening, closing = f"<{key}", f"</{key}>"
    else:
        opening, closing = f"<item key={quoteattr(_NOT_XML.sub(chr(0xFFFD), key))}", "</item>"
    if isinstance(value, dict):
        parts.append(opening + ">")
        for child_key, child in value.items():
            _member(parts, str(child_key), child)
        parts.append(closing)
    elif isinstance(value, list):
        parts.append(opening + ">")
        for item in value:
            _element(parts, "item", item)
        parts.append(closing)
    elif value is None or value == "":
        parts.append(opening + "/>")
    else:
        parts.append(f"{opening}>{_text(value)}{closing}")


def _member(parts: list[str], key: str, value: Any) -> None:
    if isinstance(value, list) and value:
        for item in value:
            _element(parts, key, item)
    else:
        _element(parts, key, None if value == [] else value)


def _text(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return escape(_NOT_XML.sub(chr(0xFFFD), text))


def strip_suffix(
    scope: Scope,
    representations: tuple[Representation, ...],
    is_operation: Callable[[str], bool],
) -> tuple[Scope, Representation | None]:
    """The scope with a known suffix removed from its path when what remains is an
    operation's path (`is_operation`), or else from the end of its query string on an
    operation's path, and the representation asked (None: scope unchanged)."""
    path = scope["path"]
    for representation in representations:
        if path.endswith(representation.suffix) and len(path) > len(representation.suffix):
            stripped = path[: -len(representation.suffix)]
            if not is_operation(stripped):
                continue
            return {**scope, "path": stripped, "raw_path": stripped.encode()}, representation
    query: bytes = scope.get("query_string", b"")
    for representation in representations:
        suffix = representation.suffix.encode()
        if query.endswith(suffix) and is_operation(path):
            return {**scope, "query_string": query[: -len(suffix)]}, representation
    return scope, None


JSON = Representation(".json", "application/json")
XML = Representation(".xml", "application/xml", to_xml)


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
