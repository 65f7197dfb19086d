"""Zaakpay settlement (operationIds of specs/zaakpay.yaml): verify → limit → report."""

from __future__ import annotations

import functools
import hashlib
import hmac
from datetime import date, datetime
from typing import Any

from sandbox import ratelimit
from sandbox.clock import IST, from_ms
from sandbox.context import current
from sandbox.providers.base import Tenant
from sandbox.providers.zaakpay import errors
from sandbox.providers.zaakpay.models import NAME, TRANSACTION, report_row

MAX_ROWS = 10_000

Response = tuple[dict[str, Any], int]


def checksum(secret: str, merchant: str, utr_date: str) -> str:
    """Seed 003: HMAC-SHA256 keyed with the secret over `merchantIdentifier,utr_date`, hex."""
    message = f"{merchant},{utr_date}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _merchant(identifier: str) -> Tenant:
    for tenant in current().tenants[NAME]:
        if hmac.compare_digest(tenant.id.encode(), identifier.encode()):
            return tenant
    raise errors.refused(401, errors.UNKNOWN_MERCHANT, "Invalid merchantIdentifier.")


@functools.lru_cache(maxsize=512)  # strptime is slow, and clients ask for the same few days
def _calendar_day(utr_date: str) -> date | None:
    try:
        return datetime.strptime(utr_date, "%d-%m-%Y").date()
    except ValueError:
        return None


def _day(utr_date: str, now_ms: int) -> str:
    day = _calendar_day(utr_date)
    if day is None:
        raise errors.refused(
            400,
            errors.IMPOSSIBLE_DATE,
            f"utr_date {utr_date} is not a real date (dd-MM-yyyy).",
            field="utr_date",
        )
    if day > from_ms(now_ms).astimezone(IST).date():
        raise errors.refused(
            400, errors.FUTURE_DATE, f"utr_date {utr_date} is in the future.", field="utr_date"
        )
    return day.isoformat()


async def get_settlement_report(body: dict[str, Any]) -> Response:
    rt = current()
    tenant = _merchant(body["merchantIdentifier"])
    expected = checksum(tenant.credentials["secret_key"], tenant.id, body["utr_date"])
    if not hmac.compare_digest(expected.encode(), body["checksum"].lower().encode()):
        raise errors.refused(
            401,
            errors.CHECKSUM,
            "Checksum mismatch: compute HMAC-SHA256 of 'merchantIdentifier,utr_date' with "
            "your secret key, as lowercase hex.",
        )
    day = _day(body["utr_date"], rt.clock.now_ms())
    wait = rt.tenant_rate_limit(NAME, tenant, "settlement")
    if wait is not None:
        limit, window_ms = ratelimit.rate_limit_rule(tenant.profile["rate_limit"])
        raise errors.refused(
            429,
            errors.RATE_LIMITED,
            f"The settlement API can be called {limit} times per {window_ms // 60_000} "
            f"minutes; try again in {wait} seconds.",
            headers={"Retry-After": str(wait)},
        )
    page = rt.store.query(
        NAME,
        tenant.id,
        TRANSACTION,
        where={"state": "settled", "data.settlement_date": day},
        order="created_at",
        limit=MAX_ROWS,
        count=False,
    )
    return {
        "report": [
            r.rendered("report_row", functools.partial(report_row, r)) for r in page.records
        ],
        "responsecode": "100",
        "responsedescription": "Successful",
    }, 200
