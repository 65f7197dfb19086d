"""Request-body parsing stricter than Connexion's default, registered through its
validator map: bodies must be RFC 8259 JSON (no NaN or Infinity, which would slip past
`minimum`/`maximum` checks), and a parse error says what is wrong with the body."""

from __future__ import annotations

import json
import math
import re
import typing as t

from connexion.datastructures import MediaTypeDict
from connexion.exceptions import BadRequestProblem
from connexion.utils import is_null, is_nullable
from connexion.validators import VALIDATOR_MAP, JSONRequestBodyValidator, ParameterValidator
from jsonschema import Draft4Validator, ValidationError
from starlette.types import Scope

# One compiled validator per parameter definition (they live as long as the app).
_PARAMETER_VALIDATORS: dict[int, tuple[dict, Draft4Validator]] = {}


def _reject_constant(name: str) -> t.NoReturn:
    raise ValueError(f"{name} is not a JSON number")


class _TooLarge(ValueError):
    pass


def _finite_float(text: str) -> float:
    # 1e999 would parse to inf without passing through parse_constant.
    value = float(text)
    if value in (math.inf, -math.inf):
        raise _TooLarge(text)
    return value


MAX_JSON_DEPTH = 64  # nested objects/arrays; no API of ours comes close
_BRACKETS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')  # strings are skipped whole
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class JSONLimitError(ValueError):
    """JSON refused by the core's decoding limits; the message says why."""


def loads_limited(text: str, **options: t.Any) -> t.Any:
    """`json.loads` within the core's limits: at most MAX_JSON_DEPTH levels of nesting
    (deeper input would raise RecursionError, a 500) and no lone UTF-16 surrogate such as
    `"\\ud800"` (SQLite cannot store it and no page could render it). JSONLimitError says
    which limit was hit; other ValueErrors are plain syntax errors."""
    if text.count("[") + text.count("{") > MAX_JSON_DEPTH:  # only then can it be too deep
        depth = 0
        for token in _BRACKETS.finditer(text):
            mark = token.group()
            if mark in "[{":
                depth += 1
                if depth > MAX_JSON_DEPTH:
                    raise JSONLimitError(f"is nested more than {MAX_JSON_DEPTH} levels deep")
            elif mark in "]}":
                depth -= 1
    value = json.loads(text, **options)
    if _SURROGATE_ESCAPE.search(text):  # a pair decodes to one character; a lone one stays
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise JSONLimitError(
                "has a lone UTF-16 surrogate escape (such as \\ud800); send text as valid Unicode"
            ) from None
    return value


def parse_json_body(raw: bytes, encoding: str = "utf-8") -> t.Any:
    """A request body as strict JSON (None when empty); BadRequestProblem saying what is
    wrong otherwise."""
    try:
        text = raw.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        raise BadRequestProblem(detail=f"The request body is not {encoding} text.") from None
    if not text:
        return None
    try:
        return loads_limited(text, parse_constant=_reject_constant, parse_float=_finite_float)
    except JSONLimitError as exc:
        raise BadRequestProblem(detail=f"The request body {exc}.") from None
    except _TooLarge:
        raise BadRequestProblem(
            detail="The request body has a number too large to represent."
        ) from None
    except (json.JSONDecodeError, ValueError) as exc:
        raise BadRequestProblem(detail=f"The request body is not valid JSON: {exc}.") from None


class StrictJSONBodyValidator(JSONRequestBodyValidator):
    """JSON body validator that refuses non-standard numbers and explains parse errors."""

    async def _parse(self, stream: t.AsyncGenerator[bytes, None], scope: Scope) -> t.Any:
        return parse_json_body(b"".join([message async for message in stream]), self._encoding)


class ClearParameterValidator(ParameterValidator):
    """Parameter validator whose errors name the parameter in one line (Connexion's own
    message is jsonschema's multi-line report)."""

    @staticmethod
    def validate_parameter(
        parameter_type: str, value: t.Any, param: dict, param_name: str | None = None
    ) -> str | None:
        if is_nullable(param) and is_null(value):
            return None
        if value is None:
            if param.get("required"):
                return f"Missing {parameter_type} parameter '{param['name']}'"
            return None
        cached = _PARAMETER_VALIDATORS.get(id(param))
        if cached is None or cached[0] is not param:
            cached = (param, parameter_validator(param))
            _PARAMETER_VALIDATORS[id(param)] = cached
        return parameter_error(cached[1], param["name"], value)


def parameter_validator(param: dict) -> Draft4Validator:
    """The compiled validator of one parameter definition."""
    return Draft4Validator(
        param.get("schema", param), format_checker=Draft4Validator.FORMAT_CHECKER
    )


def parameter_error(validator: Draft4Validator, name: str, value: t.Any) -> str | None:
    """A one-line message naming the parameter, or None when the value is valid."""
    try:
        validator.validate(value)
    except ValidationError as exc:
        return f"{exc.message} - '{name}'"
    return None


VALIDATORS = {
    **VALIDATOR_MAP,
    "parameter": ClearParameterValidator,
    "body": MediaTypeDict({**VALIDATOR_MAP["body"], "*/*json": StrictJSONBodyValidator}),
}
"""Connexion's validator map with the validators above."""
