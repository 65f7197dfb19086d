"""Fixture bodies checked against the provider's own request schema: the spec operation that
creates a kind says what a body of that kind may hold, for a scenario as for a client."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Mapping

from connexion.spec import Specification

from sandbox.resources import spec_path
from sandbox.validation import body_validator, parameter_problems

_MAX_PROBLEMS = 5  # enough to fix a body; a huge invalid one does not flood the answer


@lru_cache(maxsize=64)
def _operation(provider: str, operation_id: str) -> tuple[dict[str, dict], Any]:
    """(path parameter definitions by name, body validator or None) of one operation."""
    spec = Specification.load(spec_path(provider))
    for item in spec["paths"].values():
        for method, operation in item.items():
            if not isinstance(operation, dict) or operation.get("operationId") != operation_id:
                continue
            parameters = {
                p["name"]: p
                for p in [*item.get("parameters", []), *operation.get("parameters", [])]
                if p.get("in") == "path"
            }
            content = (operation.get("requestBody") or {}).get("content", {})
            schema = (content.get("application/json") or {}).get("schema")
            body = None if schema is None else body_validator(schema)
            return parameters, body
    raise LookupError(f"specs/{provider}.yaml has no operation {operation_id!r}")


def request_problems(provider: str, operation_id: str, body: Mapping[str, Any]) -> list[str]:
    """Why `body` (the request body with the operation's path parameters folded in, as
    builders take it) would be refused by `operation_id`; empty when it is valid."""
    parameters, validator = _operation(provider, operation_id)
    problems = []
    for name, param in parameters.items():
        if name in body:
            for problem in parameter_problems("path", body[name], param):
                problems.append(f"{problem.message} (at {name})")
    if validator is not None:
        fields = {k: v for k, v in body.items() if k not in parameters}
        for error in sorted(validator.iter_errors(fields), key=lambda e: list(e.absolute_path)):
            where = "/".join(str(p) for p in error.absolute_path)
            message = error.message if len(error.message) <= 200 else error.message[:200] + "…"
            problems.append(f"{message} (at {where})" if where else message)
            if len(problems) >= _MAX_PROBLEMS:
                break
    return problems
