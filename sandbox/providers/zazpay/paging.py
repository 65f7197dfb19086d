"""ZazPay listings' `_metadata`: page, page_count, total_count and the seed's `Links`."""

from __future__ import annotations

from typing import Any, Mapping, Sequence, TypeVar
from urllib.parse import urlencode

PAGE_SIZE = 20
T = TypeVar("T")


def page_count(total: int, size: int = PAGE_SIZE) -> int:
    """Pages needed for `total` items; an empty listing still has its one (empty) page."""
    return max(1, -(-total // size))


def window(items: Sequence[T], page: int, size: int = PAGE_SIZE) -> Sequence[T]:
    """The items on `page` (1-based); a page past the last is empty."""
    return items[(page - 1) * size : page * size]


def metadata(
    path: str,
    page: int,
    total: int,
    query: Mapping[str, Any] | None = None,
    size: int = PAGE_SIZE,
) -> dict[str, Any]:
    """`_metadata` for `page` of a listing at `path` (relative to /api/v1, as the seed's
    links are); other query parameters are kept in every link, and a neighbour that does
    not exist is "" (seed: `{"previous": ""}`)."""
    last = page_count(total, size)
    kept = urlencode({k: v for k, v in (query or {}).items() if k != "page" and v is not None})
    start = f"{path}?{kept}&page=" if kept else f"{path}?page="

    def link(number: int) -> str:
        return f"{start}{number}"

    return {
        "page": page,
        "page_count": last,
        "total_count": total,
        "Links": [
            {"self": link(page)},
            {"first": link(1)},
            {"previous": link(page - 1) if 1 < page <= last + 1 else ""},
            {"next": link(page + 1) if page < last else ""},
            {"last": link(last)},
        ],
    }
