"""ZazPay errors: the one renderer (`{"error": {code, message: []}}`, bits per table) and
the errors handlers raise.

A handler names the table and bit positions (`fail`); a request the validators refused
arrives with every problem in `ApiError.problems`, and each becomes its field's bit in the
table of the operation the path names (several problems → several bits, every message).
What no table covers (authentication, unknown route, body limits, rate limits, a problem
of a field the table has no row for) is code 1 with the sandbox's own message."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Iterable

import yaml

from sandbox.context import request_path
from sandbox.errors import ApiError
from sandbox.providers.zazpay import errorbits
from sandbox.resources import spec_path

NAME = "zazpay"
AUTH_HINT = "Send HTTP Basic credentials: your merchant ID as username, your API key as password."
_SUFFIX = re.compile(r"\.(json|xml)$")


class ZazPayError(ApiError):
    """An error of one table with its bit positions."""

    def __init__(self, status: int, table: str, positions: Iterable[int], note: str = "") -> None:
        self.table = table
        self.positions = tuple(sorted(set(positions)))
        problems = [errorbits.Problem(table, p) for p in self.positions]
        text = " ".join(p.message for p in problems)
        super().__init__(status, "zazpay_error", f"{text} {note}".strip())


def fail(status: int, table: str, *positions: int, note: str = "") -> ZazPayError:
    """A `status` answer setting `positions` of `table`."""
    return ZazPayError(status, table, positions, note)


@lru_cache(maxsize=1)
def _routes() -> list[tuple[str, re.Pattern[str], str]]:
    spec = yaml.safe_load(spec_path(NAME).read_text())
    routes = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "operationId" not in operation:
                continue
            pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path))
            routes.append(
                (method.upper(), re.compile(f"^/{NAME}{pattern}$"), operation["operationId"])
            )
    # Literal segments win over parameters (`vaults/type/cc` before `vaults/{vault_id}`).
    routes.sort(key=lambda route: route[1].pattern.count("[^/]+"))
    return routes


def operation_for(path: str) -> str | None:
    """The operationId a request path names (any method; suffix ignored)."""
    path = _SUFFIX.sub("", path)
    return next((op for _method, pattern, op in _routes() if pattern.match(path)), None)


def table_for(path: str) -> str | None:
    """The error table of the operation a request path names."""
    operation = operation_for(path)
    return None if operation is None else errorbits.OPERATION_TABLES.get(operation)


def _validation_error(err: ApiError, table: str | None) -> dict[str, Any] | None:
    if table is None:
        return None
    found = []
    for problem in err.problems:
        if problem.field is None:
            return None
        field = problem.field.split(".", 1)[0]
        bit = errorbits.field_problem(table, field, missing=problem.rule == "required")
        if bit is None:
            return None
        found.append(bit)
    return errorbits.error_object(found) if found else None


def render(err: ApiError) -> tuple[dict[str, Any], int]:
    """ApiError → ZazPay's error object and status."""
    if isinstance(err, ZazPayError):
        problems = [errorbits.Problem(err.table, p) for p in err.positions]
        return {"error": errorbits.error_object(problems)}, err.status
    error = None
    if err.problems:
        error = _validation_error(err, table_for(request_path()))
    if error is None:
        messages = [p.text for p in err.problems] or [err.message]
        error = {"code": errorbits.UNTABLED, "message": messages}
    return {"error": error}, err.status


def unauthorized(message: str) -> ApiError:
    """Missing or wrong HTTP Basic credentials (code 1)."""
    return ApiError(401, "unauthorized", f"{message} {AUTH_HINT}")


def not_found(table: str | None, resource: str) -> ApiError:
    """An unknown or another merchant's `resource`: the table's bit, else code 1."""
    problem = errorbits.not_found_problem(table, resource)
    if problem is None:
        return ApiError(
            404,
            "not_found",
            f"No such {resource} for the authenticated merchant "
            "(another merchant's answers the same).",
        )
    return fail(404, table or "", problem.position)
