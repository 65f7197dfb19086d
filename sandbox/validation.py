"""Request validation shared by Connexion (through its validator map) and the fast path: bodies
are read by the one body decoder (`bodies.py`; JSON is strict RFC 8259), and every problem of
a request is collected from the validators' structured errors into a `RequestInvalid`."""

from __future__ import annotations

import re
import typing as t

from connexion.datastructures import MediaTypeDict
from connexion.decorators.parameter import _get_typed_body_values
from connexion.exceptions import TypeValidationError
from connexion.json_schema import Draft4RequestValidator
from connexion.uri_parsing import OpenAPIURIParser
from connexion.utils import is_null, is_nullable
from connexion.validators import (
    VALIDATOR_MAP,
    FormDataValidator,
    JSONRequestBodyValidator,
    ParameterValidator,
)
from jsonschema import Draft4Validator, ValidationError
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from sandbox import bodies
from sandbox.errors import Problem, RequestInvalid

# One compiled validator per parameter definition (they live as long as the app).
_PARAMETER_VALIDATORS: dict[int, tuple[dict, Draft4Validator]] = {}
# Connexion checks parameters by location in this order and reports the first failure.
PARAMETER_ORDER = ("query", "path", "header", "cookie")

BODY_REQUIRED = "A JSON request body is required."
FORM_REQUIRED = "A form request body is required."


def _dotted(path: t.Iterable[t.Any]) -> str | None:
    return ".".join(str(part) for part in path) or None


def _joined(path: str | None, name: str) -> str:
    return f"{path}.{name}" if path else name


def _extra_properties(error: ValidationError) -> list[str]:
    schema = error.schema if isinstance(error.schema, dict) else {}
    known = schema.get("properties", {})
    patterns = schema.get("patternProperties", {})
    instance = error.instance if isinstance(error.instance, dict) else {}
    return [
        name
        for name in instance
        if name not in known and not any(re.search(p, name) for p in patterns)
    ]


def schema_problems(
    validator: Draft4Validator, instance: t.Any, location: str = "body"
) -> list[Problem]:
    """Every error of `instance`, in the order the validator reports them (its first is the
    one `validate` raises, so single-message answers are unchanged)."""
    problems = []
    missing_seen: dict[int, int] = {}
    for error in validator.iter_errors(instance):
        path = _dotted(error.path)
        field = path
        if error.validator == "required" and isinstance(error.instance, dict):
            # One error per missing property, in the order the schema lists them.
            missing = [p for p in error.validator_value if p not in error.instance]
            index = missing_seen.get(id(error.instance), 0)
            missing_seen[id(error.instance)] = index + 1
            if index < len(missing):
                field = _joined(path, missing[index])
        elif error.validator == "additionalProperties":
            extra = _extra_properties(error)
            if extra:
                field = _joined(path, extra[0])
        problems.append(Problem(location, field, str(error.validator), error.message, path))
    return problems


def body_required(mime: str | None) -> RequestInvalid:
    """The problem of a missing required body."""
    message = FORM_REQUIRED if bodies.is_form(mime) else BODY_REQUIRED
    return RequestInvalid([Problem("body", None, "required", message)])


def _body_missing(scope: Scope, schema: dict, required: bool) -> bool:
    # Connexion's test for "no body": a zero or absent Content-Length, and no default body.
    if int(Headers(scope=scope).get("content-length", 0)):
        return False
    return schema.get("default") is None and required


class StrictJSONBodyValidator(JSONRequestBodyValidator):
    """JSON body validator that reads bodies with the shared decoder (refusing non-standard
    numbers, explaining parse errors) and reports every schema problem."""

    async def wrap_receive(self, receive: Receive, *, scope: Scope) -> tuple[Receive, Scope]:
        """As Connexion's, with a structured problem for a missing body."""
        if _body_missing(scope, self._schema, self._required):
            raise body_required(bodies.JSON)
        return await super().wrap_receive(receive, scope=scope)

    async def _parse(self, stream: t.AsyncGenerator[bytes, None], scope: Scope) -> t.Any:
        return bodies.parse_json(b"".join([message async for message in stream]), self._encoding)

    def _validate(self, body: t.Any) -> None:
        if not self._nullable and body is None:
            raise body_required(bodies.JSON)
        problems = schema_problems(self._validator, body)
        if problems:
            raise RequestInvalid(problems)


def form_body(uri_parser: OpenAPIURIParser, raw: bytes) -> tuple[dict[str, t.Any], list[Problem]]:
    """Form fields resolved and typed per the body schema exactly as Connexion's URI parser
    does (a repeated field joined, arrays split, numbers and booleans coerced), with a
    problem for every field that does not convert."""
    fields = bodies.form_lists(raw)
    try:
        # Fields resolve one by one, independently: all at once when every one converts.
        return uri_parser.resolve_form(dict(fields)), []
    except TypeValidationError:
        pass
    resolved: dict[str, t.Any] = {}
    problems = []
    for name, values in fields.items():
        try:
            resolved.update(uri_parser.resolve_form({name: values}))
        except TypeValidationError as exc:
            problems.append(Problem("body", name, "type", str(exc.detail)))
    return resolved, problems


def form_problems(
    uri_parser: OpenAPIURIParser, validator: Draft4Validator, raw: bytes
) -> tuple[dict[str, t.Any], list[Problem]]:
    """A form body resolved as Connexion resolves it, with every problem: the fields that
    do not convert (reported first, as Connexion stops at them), then the schema's (except
    those about the fields already reported)."""
    body, problems = form_body(uri_parser, raw)
    unconverted = {p.field for p in problems}
    problems += [
        p
        for p in schema_problems(validator, body)
        if not (p.field in unconverted and p.rule == "required")
    ]
    return body, problems


def form_argument(schema: dict, body: dict[str, t.Any] | None) -> dict[str, t.Any]:
    """The `body` argument a handler receives for a form body, as Connexion builds it (the
    schema's default merged, values typed per property)."""
    merged = dict(schema.get("default", {}))
    merged.update(body or {})
    properties = {k: {"schema": v} for k, v in schema.get("properties", {}).items()}
    additional = schema.get("additionalProperties", True)
    if properties or additional:
        return _get_typed_body_values(merged, properties, additional)
    return {}


class StrictFormBodyValidator(FormDataValidator):
    """Form body validator: fields read by the shared decoder, every problem reported (the
    fields that do not convert, then the schema's)."""

    async def wrap_receive(self, receive: Receive, *, scope: Scope) -> tuple[Receive, Scope]:
        """As Connexion's, with a structured problem for a missing body."""
        if _body_missing(scope, self._schema, self._required):
            raise body_required(bodies.FORM)
        return await super().wrap_receive(receive, scope=scope)

    async def _parse(self, stream: t.AsyncGenerator[bytes, None], scope: Scope) -> t.Any:
        raw = b"".join([message async for message in stream])
        assert isinstance(self._uri_parser, OpenAPIURIParser)
        body, problems = form_problems(self._uri_parser, self._validator, raw)
        if problems:
            raise RequestInvalid(problems)
        return body

    def _validate(self, body: t.Any) -> None:
        """Nothing left to check: `_parse` reported every problem."""


class ClearParameterValidator(ParameterValidator):
    """Parameter validator whose errors name the parameter in one line (Connexion's own
    message is jsonschema's multi-line report) and that reports every invalid parameter."""

    @staticmethod
    def validate_parameter(
        parameter_type: str, value: t.Any, param: dict, param_name: str | None = None
    ) -> str | None:
        """One parameter's first problem as one line (None when valid)."""
        problems = parameter_problems(parameter_type, value, param)
        return problems[0].text if problems else None

    def validate_request(self, request: t.Any) -> None:
        """Checks every parameter in Connexion's order; raises with all problems found."""
        problems: list[Problem] = []
        for location in PARAMETER_ORDER:
            for param in self.parameters.get(location, []):
                value = getattr(self, f"_{location}_value")(param, request)
                problems += parameter_problems(location, value, param)
        if problems:
            raise RequestInvalid(problems)

    @staticmethod
    def _query_value(param: dict, request: t.Any) -> t.Any:
        return request.query_params.get(param["name"])

    @staticmethod
    def _path_value(param: dict, request: t.Any) -> t.Any:
        return request.path_params.get(param["name"].replace("-", "_"))

    @staticmethod
    def _header_value(param: dict, request: t.Any) -> t.Any:
        return request.headers.get(param["name"])

    @staticmethod
    def _cookie_value(param: dict, request: t.Any) -> t.Any:
        return request.cookies.get(param["name"])


def parameter_problems(location: str, value: t.Any, param: dict) -> list[Problem]:
    """Every problem of one parameter value (None: not sent)."""
    if is_nullable(param) and is_null(value):
        return []
    name = param["name"]
    if value is None:
        if param.get("required"):
            return [Problem(location, name, "required", f"Missing {location} parameter '{name}'")]
        return []
    cached = _PARAMETER_VALIDATORS.get(id(param))
    if cached is None or cached[0] is not param:
        cached = (param, parameter_validator(param))
        _PARAMETER_VALIDATORS[id(param)] = cached
    return [
        Problem(location, name, str(error.validator), error.message, name)
        for error in cached[1].iter_errors(value)
    ]


def parameter_validator(param: dict) -> Draft4Validator:
    """The compiled validator of one parameter definition."""
    return Draft4Validator(
        param.get("schema", param), format_checker=Draft4Validator.FORMAT_CHECKER
    )


def body_validator(schema: dict) -> Draft4Validator:
    """Connexion's validator for a request body schema (its rules and wording)."""
    return Draft4RequestValidator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)


class ContentTypes:
    """Connexion middleware (after routing) that settles the request's media type the way
    the fast path reads it: absent, it is the first one the operation documents (Connexion's
    validation assumes so, but its handler layer would then pass raw bytes: a 500); sent,
    its media type is lower-cased (Connexion compares it case-blind, then looks it up
    case-sensitively)."""

    def __init__(self, app: ASGIApp, media_types: t.Mapping[str, t.Mapping[str, str]]) -> None:
        self.app = app
        self.media_types = media_types  # api name → operationId → first documented media type

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            routing = scope.get("extensions", {}).get("connexion_routing", {})
            api = str(routing.get("api_base_path", "")).lstrip("/")
            default = self.media_types.get(api, {}).get(routing.get("operation_id", ""))
            sent = bodies.content_type(scope["headers"])
            settled = normal_content_type(sent, default)
            if settled != sent:
                headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"content-type"]
                headers.append((b"content-type", settled.encode("latin-1")))
                scope = {**scope, "headers": headers}
        await self.app(scope, receive, send)


def normal_content_type(sent: str | None, default: str | None) -> t.Any:
    """The Content-Type a request is read with: `default` when none was sent, else the sent
    one with its media type lower-cased."""
    if sent is None:
        return default
    mime, semicolon, parameters = sent.partition(";")
    return mime.lower() + semicolon + parameters


VALIDATORS = {
    **VALIDATOR_MAP,
    "parameter": ClearParameterValidator,
    "body": MediaTypeDict(
        {
            **VALIDATOR_MAP["body"],
            "*/*json": StrictJSONBodyValidator,
            "application/x-www-form-urlencoded": StrictFormBodyValidator,
        }
    ),
}
"""Connexion's validator map with the validators above."""
