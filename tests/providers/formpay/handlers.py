"""Formpay handlers: each answers with what it received, so tests see the typed arguments."""

from __future__ import annotations

from typing import Any


async def create_charge(body: dict[str, Any], token_info: dict[str, Any]) -> dict[str, Any]:
    """Echoes the typed form fields."""
    return {"body": body, "tenant": token_info["tenant"]}


async def create_refund(
    body: dict[str, Any], token_info: dict[str, Any], dry: bool | None = None
) -> dict[str, Any]:
    """Echoes the JSON body and the scopes the key check saw."""
    return {"body": body, "scopes": token_info["scopes"], "dry": dry}


async def get_charge(id: str) -> dict[str, Any]:  # noqa: A002 - the spec's name
    """Unreachable: OAuth 2 is not configured, so every call is a 401."""
    return {"id": id}


async def ping(n: int | None = None, word: str | None = None) -> dict[str, Any]:
    """Echoes the query."""
    return {"n": n, "word": word}
