"""Zoho Payments operations (operationIds of specs/zoho.yaml): parse → store → shape."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from sandbox.clock import IST, from_ms, to_ms
from sandbox.context import current
from sandbox.errors import ApiError
from sandbox.providers.zoho import errors, models
from sandbox.providers.zoho.models import NAME, PAYMENT

Response = tuple[dict[str, Any], int]
_OK = {"code": 0, "message": "success"}

# Status filter → stored states (seed 004: "Status can be: Status.All, Status.Failed, …").
STATUS_FILTER: dict[str, tuple[str, ...] | None] = {
    "Status.All": None,
    "Status.Failed": ("failed",),
    "Status.Succeeded": ("succeeded",),
    "Status.Cancelled": ("canceled",),
    "Status.Refunded": ("refunded", "partially_refunded"),
    "Status.Disputed": ("disputed",),
}


def _account(account_id: str, token_info: dict[str, Any]) -> bool:
    return account_id == token_info["tenant"]


async def get_payment(payment_id: str, account_id: str, token_info: dict[str, Any]) -> Response:
    rt = current()
    if not _account(account_id, token_info):
        raise errors.payment_not_found(payment_id)
    record = rt.require(NAME, token_info["tenant"], PAYMENT, payment_id, errors.payment_not_found)
    return {**_OK, "payment": models.payment_view(record)}, 200


def _midnight(day: date) -> int:
    return to_ms(datetime(day.year, day.month, day.day, tzinfo=IST))


def _date(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise errors.invalid(field, f"{text[:40]!r} is not a date in YYYY-MM-DD format.") from None


def date_range(
    filter_by: str, now_ms: int, from_date: str | None, to_date: str | None
) -> tuple[int, int]:
    """[start, end) in epoch ms of a ChargeDate filter on the sandbox clock, in days of
    Indian Standard Time (the accounts are Indian)."""
    today = from_ms(now_ms).astimezone(IST).date()
    month = today.replace(day=1)
    if filter_by == "ChargeDate.Today":
        return _midnight(today), _midnight(today + timedelta(days=1))
    if filter_by == "ChargeDate.ThisMonth":
        following = (month + timedelta(days=32)).replace(day=1)
        return _midnight(month), _midnight(following)
    if filter_by == "ChargeDate.ThisYear":
        return _midnight(today.replace(month=1, day=1)), _midnight(date(today.year + 1, 1, 1))
    if filter_by == "ChargeDate.PreviousMonth":
        previous = (month - timedelta(days=1)).replace(day=1)
        return _midnight(previous), _midnight(month)
    if filter_by == "ChargeDate.PreviousYear":
        return _midnight(date(today.year - 1, 1, 1)), _midnight(date(today.year, 1, 1))
    if filter_by == "ChargeDate.Last_30_Days":
        return now_ms - 30 * 86_400_000, now_ms + 1
    # ChargeDate.CustomDate
    if from_date is None or to_date is None:
        missing = "from_date" if from_date is None else "to_date"
        raise errors.invalid(missing, "is required when filter_by is ChargeDate.CustomDate.")
    first, last = _date(from_date, "from_date"), _date(to_date, "to_date")
    if last < first:
        raise errors.invalid("to_date", f"{to_date} is before from_date {from_date}.")
    return _midnight(first), _midnight(last + timedelta(days=1))


async def list_payments(
    account_id: str,
    token_info: dict[str, Any],
    status: str = "Status.All",
    filter_by: str | None = None,
    from_date: str | None = None,
    to_date: str | None = None,
    payment_method_type: str = "all",
    per_page: int = 25,
    page: int = 1,
) -> Response:
    rt = current()
    if not _account(account_id, token_info):
        raise ApiError(
            404,
            "account_not_found",
            f"No account {account_id} for this OAuth token.",
            details={"zoho_code": 1001},
        )
    for field, value in (("from_date", from_date), ("to_date", to_date)):
        if value is not None:
            _date(value, field)
    where: dict[str, Any] = {}
    states = STATUS_FILTER[status]
    if states is not None:
        where["state"] = {"in": list(states)}
    if payment_method_type != "all":
        where["data.method"] = payment_method_type
    if filter_by is not None:
        start, end = date_range(filter_by, rt.clock.now_ms(), from_date, to_date)
        where["created_at"] = {"gte": start, "lt": end}
    result = rt.store.query(
        NAME,
        token_info["tenant"],
        PAYMENT,
        where=where,
        limit=per_page,
        offset=(page - 1) * per_page,
    )
    total = result.total or 0
    pages = -(-total // per_page)
    return {
        **_OK,
        "payments": [
            r.rendered("summary", partial(models.payment_summary, r)) for r in result.records
        ],
        "page_context": {
            "page": page,
            "per_page": per_page,
            "total": total,
            "total_pages": pages,
            "has_more_page": page < pages,
        },
    }, 200
