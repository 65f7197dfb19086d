"""Zwitch operations (operationIds of specs/zwitch.yaml): parse → engine/store → shape."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from functools import partial
from typing import Any

from sandbox.clock import to_ms
from sandbox.context import base_url, current
from sandbox.providers.base import Draft
from sandbox.providers.zwitch import errors, models
from sandbox.providers.zwitch.models import COLLECT, NAME, TOKEN
from sandbox.runtime import Runtime
from sandbox.store import DuplicateRef, Record

Response = tuple[dict[str, Any], int]


def _base_url(rt: Runtime) -> str:
    return rt.public_url(base_url())


def _create_once(rt: Runtime, tenant: str, draft: Draft, ref_field: str) -> Record:
    """Creates a resource, or returns the one created earlier with the same reference and
    the same details (a retry); the same reference with other details is a 409."""
    try:
        return rt.engine.create(
            NAME, tenant, draft.kind, draft.id, draft.data, ref=draft.ref, parent=draft.parent
        )
    except DuplicateRef as duplicate:
        existing = duplicate.existing
        if existing.data.get("_fingerprint") != draft.data["_fingerprint"]:
            raise errors.reference_reused(ref_field, draft.ref or "", existing.id) from None
        return existing


async def create_upi_collect(
    account_id: str, body: dict[str, Any], token_info: dict[str, Any]
) -> Response:
    rt = current()
    tenant = rt.tenant(NAME, token_info["tenant"])
    with rt.store.transaction():  # the id counter and the payment commit together
        draft = models.draft_collect(
            rt, tenant, {**body, "account_id": account_id}, rt.clock.now_ms()
        )
        record = _create_once(rt, tenant.id, draft, "merchant_reference_id")
    return models.collect_created(record, tenant, _base_url(rt)), 200


def _day_start(day: str, field: str) -> int:
    try:
        parsed = date.fromisoformat(day)
    except ValueError:
        raise errors.invalid(field, f"{day!r} is not a date in YYYY-MM-DD format") from None
    return to_ms(datetime.combine(parsed, time.min, tzinfo=timezone.utc))


async def list_payments(
    token_info: dict[str, Any],
    page: int = 1,
    limit: int = 20,
    status: str | None = None,
    account_id: str | None = None,
    from_date: str | None = None,
    to_date: str | None = None,
) -> Response:
    rt = current()
    created_from = None if from_date is None else _day_start(from_date, "from_date")
    created_to = (
        None
        if to_date is None
        else (_day_start(to_date, "to_date") + int(timedelta(days=1).total_seconds() * 1000))
    )
    result = rt.store.query(
        NAME,
        token_info["tenant"],
        COLLECT,
        where={
            "state": status,
            "parent": account_id,
            "created_at": {"gte": created_from, "lt": created_to},
        },
        limit=limit,
        offset=(page - 1) * limit,
    )
    return {
        "data": [r.rendered("summary", partial(models.collect_summary, r)) for r in result.records],
        "pagination": {
            "page": page,
            "limit": limit,
            "total": result.total,
            "total_pages": -(-result.total // limit),
        },
    }, 200


async def get_payment(id: str, token_info: dict[str, Any]) -> Response:
    rt = current()
    record = rt.require(NAME, token_info["tenant"], COLLECT, id, errors.payment_not_found)
    return models.collect_details(record), 200


async def create_payment_token(body: dict[str, Any], token_info: dict[str, Any]) -> Response:
    rt = current()
    tenant = rt.tenant(NAME, token_info["tenant"])
    with rt.store.transaction():
        draft = models.draft_token(rt, tenant, body, rt.clock.now_ms())
        record = _create_once(rt, tenant.id, draft, "mtx")
    return models.token_view(record), 200


# Seed 002 documents a production and a sandbox path; in the sandbox both act alike.
create_sandbox_payment_token = create_payment_token


async def get_payment_token_status(payment_token_id: str, token_info: dict[str, Any]) -> Response:
    rt = current()
    record = rt.require(NAME, token_info["tenant"], TOKEN, payment_token_id, errors.token_not_found)
    return models.token_status_view(record), 200


async def get_payment_token(payment_token_id: str, token_info: dict[str, Any]) -> Response:
    rt = current()
    record = rt.require(NAME, token_info["tenant"], TOKEN, payment_token_id, errors.token_not_found)
    return models.token_view(record), 200


async def get_payment_token_payment(payment_token_id: str, token_info: dict[str, Any]) -> Response:
    rt = current()
    record = rt.require(NAME, token_info["tenant"], TOKEN, payment_token_id, errors.token_not_found)
    view = models.token_payment_view(record)
    if view is None:
        raise errors.token_unpaid(record.id, record.state)
    return view, 200


# Public Layer.js integrations read the sandbox paths the same way.
get_sandbox_payment_token = get_payment_token
get_sandbox_payment_token_payment = get_payment_token_payment
