"""A lean request path for provider operations.

Connexion routes a request three times and wraps it in a dozen middleware and decorator
layers (about 60% of a simple GET, see benchmarks/README.md). For the operations it can
serve, this path does the same work once: the routes, security schemes, parameter and body
validators are compiled at start-up from the specs that Connexion loaded, using Connexion's
own validator classes and error messages, and the handlers are the same functions. Anything
it does not cover (other content types, header or array parameters, unknown paths or
methods) falls through to Connexion unchanged, so behaviour stays the spec's either way;
the self-fuzz gate runs against this path.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import inspect
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Mapping
from urllib.parse import parse_qsl

import jsonschema_rs
from connexion.datastructures import MediaTypeDict
from connexion.exceptions import (
    NonConformingResponseBody,
    OAuthProblem,
    OAuthResponseProblem,
    UnsupportedMediaTypeProblem,
)
from connexion.json_schema import Draft4ResponseValidator
from connexion.lifecycle import ConnexionRequest
from connexion.security import NO_VALUE
from connexion.spec import Specification
from connexion.uri_parsing import OpenAPIURIParser
from connexion.utils import is_nullable
from jsonschema import Draft4Validator, ValidationError
from starlette.types import Receive, Scope, Send

from sandbox import bodies, wirejson
from sandbox.asgi import read_body
from sandbox.errors import Problem, RequestInvalid, encode_error
from sandbox.faults import FaultMiddleware
from sandbox.validation import (
    PARAMETER_ORDER,
    body_required,
    body_validator,
    form_argument,
    form_body,
    form_problems,
    normal_content_type,
    parameter_problems,
    schema_problems,
)

if TYPE_CHECKING:
    from sandbox.providers.base import Provider

_METHODS = ("get", "put", "post", "delete", "patch")
_SCALARS = {"string", "integer", "number", "boolean"}
_NO_DEFAULT = object()
# What Connexion's security handlers say when a check returns None, by scheme.
_NOT_VALID = {
    "bearer": "Provided token is not valid",
    "basic": "Provided authorization is not valid",
    "apiKey": "Provided apikey is not valid",
}


@dataclass(frozen=True)
class Parameter:
    """A path or query parameter with a scalar schema."""

    name: str
    location: str
    required: bool
    kind: str
    default: Any
    definition: dict  # the spec's parameter (Connexion's rules and wording come from it)
    check: Any  # jsonschema-rs, clears valid values fast (see _compile_body)
    patterned: bool = False  # the schema has regular expressions (see _plain)


@dataclass(frozen=True)
class Body:
    """One media type an operation accepts, prepared for validation."""

    media_type: str
    schema: dict
    nullable: bool
    validator: Any  # Connexion's: the authority, and the error messages
    check: Any  # a compiled (Rust) validator that clears valid JSON bodies fast
    patterned: bool = False  # the schema has regular expressions (see _plain)


@dataclass(frozen=True)
class SchemeCheck:
    """One security scheme of a requirement, with how its check function is called."""

    name: str
    kind: str  # bearer, basic or apiKey
    location: str | None  # apiKey: header or query
    key: str | None  # apiKey: the header or query parameter name
    scopes: tuple[str, ...]
    verify: Callable[..., Any]
    takes_scopes: bool
    takes_request: bool


@dataclass(frozen=True)
class Operation:
    """Everything needed to serve one operation, prepared at start-up."""

    provider: "Provider"
    operation_id: str
    method: str
    template: str
    pattern: re.Pattern[str]
    parameters: tuple[Parameter, ...]  # in Connexion's checking order
    body_required: bool | None  # None: the operation takes no body
    consumes: tuple[str, ...]  # the media types of the request body, as the spec lists them
    bodies: Mapping[str, Body]  # media type → its body
    uri_parser: OpenAPIURIParser | None  # reads form fields as Connexion does
    security: tuple[tuple[SchemeCheck, ...], ...]
    handler: Callable[..., Awaitable[Any]]
    accepts: frozenset[str]
    accepted: Any  # MediaTypeDict of what Connexion lets through (its media-range matching)
    responses: Mapping[str, Any] = field(default_factory=dict)  # status → validator


def _coerce(raw: str, kind: str) -> Any:
    # As Connexion's URI parser does: a value that does not convert stays a string and
    # fails validation with the usual message.
    try:
        if kind == "integer":
            return int(raw)
        if kind == "number":
            return float(raw)
    except ValueError:
        return raw
    if kind == "boolean":
        return {"true": True, "false": False}.get(raw.lower(), raw)
    return raw


def _compile_parameters(raw: list[dict]) -> tuple[Parameter, ...] | None:
    # A parameter defined at the operation overrides the path item's one of the same name.
    merged = {(param["name"], param["in"]): param for param in raw}
    compiled = []
    for param in merged.values():
        schema = param.get("schema", {})
        if param["in"] not in ("path", "query") or schema.get("type", "string") not in _SCALARS:
            return None
        compiled.append(
            Parameter(
                name=param["name"],
                location=param["in"],
                required=bool(param.get("required")),
                kind=schema.get("type", "string"),
                default=schema.get("default", _NO_DEFAULT),
                definition=param,
                check=jsonschema_rs.Draft4Validator(schema, validate_formats=True),
                patterned=_has_patterns(schema),
            )
        )
    compiled.sort(key=lambda p: PARAMETER_ORDER.index(p.location))
    return tuple(compiled)


def _compile_body(operation: dict) -> dict[str, Body] | None:
    """The bodies an operation accepts ({} for none); None when a media type, a default body
    or a renamed body argument would need Connexion's own handling."""
    content = operation.get("requestBody", {}).get("content", {})
    compiled = {}
    for media_type, definition in content.items():
        if media_type != media_type.lower() or not (
            media_type == bodies.FORM or bodies.is_json(media_type) and "*" not in media_type
        ):
            return None
        schema = definition.get("schema", {})
        if "default" in schema or "x-body-name" in schema:
            return None
        # jsonschema-rs is stricter, never looser, than Connexion's validator here (it checks
        # formats fully and knows no `nullable`), so a body it accepts is valid; anything it
        # refuses goes to Connexion's validator, which decides and words the errors. Regular
        # expressions are the exception (see _plain).
        compiled[media_type] = Body(
            media_type=media_type,
            schema=schema,
            nullable=is_nullable(definition),
            validator=body_validator(schema),
            check=jsonschema_rs.Draft4Validator(schema, validate_formats=True),
            patterned=_has_patterns(schema),
        )
    return compiled


def _has_patterns(schema: Any) -> bool:
    if isinstance(schema, dict):
        return (
            "pattern" in schema
            or "patternProperties" in schema
            or any(_has_patterns(v) for v in schema.values())
        )
    if isinstance(schema, list):
        return any(_has_patterns(v) for v in schema)
    return False


def _plain(text: bytes | str) -> bool:
    """Whether Rust's and Python's regular expressions must agree on this text: ASCII with
    no control characters. Beyond it they differ (Python's `\\s` matches the control
    characters 0x1c-0x1f, Rust's does not), so a patterned schema's verdict on other text is
    Connexion's validator's alone. A raw JSON body qualifies when it is ASCII without `\\u`
    escapes: control characters in a JSON string arrive escaped."""
    if isinstance(text, bytes):
        return text.isascii() and b"\\u" not in text
    return text.isascii() and not _CONTROL.search(text)


_CONTROL = re.compile("[\\x00-\\x1f\\x7f]")


def _plain_value(value: Any) -> bool:
    """Whether every string of a form field's value (a string, or a list of them) is plain."""
    if isinstance(value, str):
        return _plain(value)
    if isinstance(value, list):
        return all(map(_plain_value, value))
    return True


def _takes(function: Callable[..., Any], keyword: str) -> bool:
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name == keyword or p.kind is p.VAR_KEYWORD for p in parameters)


def _compile_security(
    provider: "Provider", requirements: list[dict], schemes: Mapping[str, dict]
) -> tuple[tuple[SchemeCheck, ...], ...] | None:
    """The security requirements as checks the fast path runs exactly as Connexion's
    handlers do; None when a scheme is one it does not implement (OAuth 2, OpenID Connect,
    cookies, custom schemes), so the operation stays with Connexion."""
    compiled = []
    for requirement in requirements:
        checks = []
        for name, scopes in requirement.items():
            scheme = schemes[name]
            kind = scheme.get("type")
            if kind == "http" and str(scheme.get("scheme", "")).lower() in ("bearer", "basic"):
                kind, location, key = str(scheme["scheme"]).lower(), None, None
            elif (
                kind == "apiKey"
                and scheme.get("in") in ("header", "query")
                and not scheme.get("x-authentication-scheme")
            ):
                location, key = scheme["in"], scheme["name"]
            else:
                return None
            verify = provider.authenticate(scheme)
            if verify is None:
                return None
            checks.append(
                SchemeCheck(
                    name=name,
                    kind=kind,
                    location=location,
                    key=key,
                    scopes=tuple(scopes),
                    verify=verify,
                    takes_scopes=_takes(verify, "required_scopes"),
                    takes_request=_takes(verify, "request"),
                )
            )
        compiled.append(tuple(checks))
    return tuple(compiled)


def _compile_responses(operation: dict) -> dict[str, Any]:
    validators = {}
    for status, response in operation.get("responses", {}).items():
        schema = (response.get("content", {}).get("application/json") or {}).get("schema")
        if schema is not None:
            validators[status] = Draft4ResponseValidator(
                schema, format_checker=Draft4Validator.FORMAT_CHECKER
            )
    return validators


def compile_operations(
    provider: "Provider", spec: Specification, validate_responses: bool
) -> list[Operation]:
    """The operations of one provider's spec this path can serve exactly as Connexion would
    (the rest stay with Connexion)."""
    compiled = []
    schemes = spec.security_schemes
    for template, item in spec["paths"].items():
        for method in _METHODS:
            if method not in item:
                continue
            operation = item[method]
            raw_parameters = [*item.get("parameters", []), *operation.get("parameters", [])]
            parameters = _compile_parameters(raw_parameters)
            accepted = _compile_body(operation)
            security = _compile_security(
                provider, operation.get("security", spec.security) or [], schemes
            )
            if parameters is None or accepted is None or security is None:
                continue
            request_body = operation.get("requestBody")
            consumes = tuple(accepted)
            uri_parser = None
            if any(media_type == bodies.FORM for media_type in consumes):
                # As Connexion: form fields are resolved with the first documented body.
                uri_parser = OpenAPIURIParser(raw_parameters, request_body["content"][consumes[0]])
            handler = getattr(provider.handlers, operation["operationId"])
            pattern = re.compile(
                "^" + re.sub(r"\\\{([^}/]+)\\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "$"
            )
            compiled.append(
                Operation(
                    provider=provider,
                    operation_id=operation["operationId"],
                    method=method.upper(),
                    template=template,
                    pattern=pattern,
                    parameters=parameters,
                    body_required=None
                    if request_body is None
                    else bool(request_body.get("required")),
                    consumes=consumes,
                    bodies=accepted,
                    uri_parser=uri_parser,
                    security=security,
                    handler=handler,
                    accepts=frozenset(inspect.signature(handler).parameters),
                    accepted=MediaTypeDict([(c.lower(), None) for c in consumes]),
                    responses=_compile_responses(operation) if validate_responses else {},
                )
            )
    return compiled


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


async def _check_scheme(check: SchemeCheck, scope: Scope, query: dict[str, str]) -> Any:
    """One scheme the way Connexion's security handlers check it: NO_VALUE when the request
    does not carry it, token info when it verifies, an exception otherwise."""
    if check.kind in ("bearer", "basic"):
        authorization = _header(scope, b"authorization")
        if not authorization:
            return NO_VALUE
        try:
            auth_type, value = authorization.split(maxsplit=1)
        except ValueError:
            raise OAuthProblem(detail="Invalid authorization header") from None
        if auth_type.lower() != check.kind:
            return NO_VALUE
        if check.kind == "basic":
            try:
                username, password = base64.b64decode(value).decode("latin1").split(":", 1)
            except Exception:
                raise OAuthProblem(detail="Invalid authorization header") from None
            args: tuple[Any, ...] = (username, password)
        else:
            args = (value,)
        scopes = None  # Connexion hands http schemes no scopes
    else:
        assert check.key is not None
        found = (
            query.get(check.key)
            if check.location == "query"
            else _header(scope, check.key.lower().encode("latin-1"))
        )
        if found is None:
            return NO_VALUE
        args, scopes = (found,), list(check.scopes)
    kwargs: dict[str, Any] = {}
    if check.takes_scopes:
        kwargs["required_scopes"] = scopes
    if check.takes_request:
        kwargs["request"] = ConnexionRequest(scope)
    info = check.verify(*args, **kwargs)
    while asyncio.iscoroutine(info):
        info = await info
    if info is None:
        raise OAuthResponseProblem(detail=_NOT_VALID[check.kind])
    return info


async def _requirement(checks: tuple[SchemeCheck, ...], scope: Scope, query: dict) -> Any:
    # As Connexion: one scheme's info as is; several are all needed, keyed by scheme name.
    if not checks:
        return {}
    if len(checks) == 1:
        return await _check_scheme(checks[0], scope, query)
    infos = {}
    for check in checks:
        info = await _check_scheme(check, scope, query)
        if info is NO_VALUE:
            return NO_VALUE
        infos[check.name] = info
    return infos


async def _authenticate(
    operation: Operation, scope: Scope, query: dict[str, str]
) -> dict[str, Any] | None:
    """Token info (None for an operation without security), raising as Connexion does."""
    if not operation.security:
        return None
    errors: list[Exception] = []
    for checks in operation.security:
        try:
            info = await _requirement(checks, scope, query)
        except Exception as exc:  # noqa: BLE001 - kept to pick the most specific below
            errors.append(exc)
            continue
        if info is not NO_VALUE:
            return info
    if not errors:
        raise OAuthProblem(detail="No authorization token provided")
    by_status = {getattr(e, "status_code", getattr(e, "status", 600)): e for e in errors}
    raise by_status.get(403) or by_status.get(401) or by_status[min(by_status)]


class FastPath:
    """Serves compiled provider operations; `handle` answers False for anything else.

    `served` counts the requests it answered by (provider, operationId): how tests prove
    the fast path, not Connexion, served a request (a counter, so serving pays nothing)."""

    def __init__(
        self,
        operations: list[Operation],
        templates: Mapping[str, Mapping[str, str]],
        validate_responses: bool,
    ) -> None:
        self._routes: dict[tuple[str, str], list[Operation]] = {}
        for operation in operations:
            key = (operation.provider.name, operation.method)
            self._routes.setdefault(key, []).append(operation)
        self._faults = FaultMiddleware(self._serve, templates)
        self.validate_responses = validate_responses
        self.operations = tuple(operations)
        self.served: Counter[tuple[str, str]] = Counter()

    def match(self, method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
        """The compiled operation for a request, with its path parameters."""
        if "\n" in path:
            # Connexion mounts each API as `^/<prefix>/(?P<path>.*)$`, whose `.` stops at a
            # newline: such a path is no route there, so it is none here either.
            return None
        provider, _, rest = path[1:].partition("/")
        for operation in self._routes.get((provider, method), ()):
            found = operation.pattern.match("/" + rest)
            if found:
                return operation, found.groupdict()
        return None

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> bool:
        """Serves the request if it is a compiled operation."""
        found = self.match(scope["method"], scope["path"])
        if found is None:
            return False
        operation, path_params = found
        self.served[operation.provider.name, operation.operation_id] += 1
        query = dict(
            parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        )
        try:
            token_info = await _authenticate(operation, scope, query)
            extensions = scope.setdefault("extensions", {})
            extensions["connexion_routing"] = {
                "api_base_path": f"/{operation.provider.name}",
                "operation_id": operation.operation_id,
            }
            context: dict[str, Any] = {}
            if token_info is not None:
                context = {
                    "user": token_info.get("sub", token_info.get("uid")),
                    "token_info": token_info,
                }
            extensions["connexion_context"] = context
            scope["paysandbox.fast"] = (operation, path_params, query, context)
            await self._faults(scope, receive, send)
        except Exception as exc:  # noqa: BLE001 - every error becomes the provider's answer
            await self._error(operation.provider, exc, send)
        return True

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        operation, path_params, query, context = scope["paysandbox.fast"]
        try:
            kwargs = self._arguments(operation, path_params, query, context)
            if operation.body_required is not None:
                body = await self._body(operation, scope, receive)
                if "body" in operation.accepts:
                    kwargs["body"] = body
            result = await operation.handler(**kwargs)
            await self._respond(operation, result, send)
        except Exception as exc:  # noqa: BLE001
            await self._error(operation.provider, exc, send)

    @staticmethod
    def _arguments(
        operation: Operation,
        path_params: dict[str, str],
        query: dict[str, str],
        context: dict[str, Any],
    ) -> dict[str, Any]:
        kwargs: dict[str, Any] = {}
        problems: list[Problem] = []
        for param in operation.parameters:
            raw = path_params.get(param.name) if param.location == "path" else query.get(param.name)
            if raw is None:
                if param.required:
                    problems += parameter_problems(param.location, None, param.definition)
                elif param.default is not _NO_DEFAULT and param.name in operation.accepts:
                    kwargs[param.name] = param.default
                continue
            value = _coerce(raw, param.kind)
            if not param.check.is_valid(value) or (
                param.patterned and isinstance(value, str) and not _plain(value)
            ):
                found = parameter_problems(param.location, value, param.definition)
                if found:
                    problems += found
                    continue
            if param.name in operation.accepts:
                kwargs[param.name] = value
        if problems:
            raise RequestInvalid(problems)
        for key, value in context.items():
            if key in operation.accepts:
                kwargs[key] = value
        return kwargs

    @staticmethod
    async def _body(operation: Operation, scope: Scope, receive: Receive) -> Any:
        """The body argument, read, checked and shaped as Connexion's validation and
        parameter layers do."""
        sent = _header(scope, b"content-type")
        settled = normal_content_type(sent, operation.consumes[0] if operation.consumes else None)
        mime, encoding = bodies.split(settled)
        if mime is None:
            mime = "application/octet-stream"
        # A declared media type, sent as declared, needs no range matching (`accepted` sorts
        # its keys and runs fnmatch on every lookup).
        body = operation.bodies.get(mime)
        if body is None:
            if operation.consumes and mime.lower() not in operation.accepted:
                raise UnsupportedMediaTypeProblem(
                    detail=f"Invalid Content-type ({mime}), expected {list(operation.consumes)}"
                )
            body = operation.bodies[mime]
        if not int(_header(scope, b"content-length") or 0) and operation.body_required:
            raise body_required(mime)
        raw = await read_body(receive)
        if mime == bodies.FORM:
            assert operation.uri_parser is not None
            fields, problems = form_body(operation.uri_parser, raw)
            if (
                problems
                or not body.check.is_valid(fields)
                or (body.patterned and not all(map(_plain_value, fields.values())))
            ):
                fields, problems = form_problems(operation.uri_parser, body.validator, raw)
                if problems:
                    raise RequestInvalid(problems)
            return form_argument(body.schema, fields)
        value = bodies.parse_json(raw, encoding)
        if value is None and not body.nullable:
            raise body_required(mime)
        if value is not None and (
            not body.check.is_valid(value) or (body.patterned and not _plain(raw))
        ):
            problems = schema_problems(body.validator, value)
            if problems:
                raise RequestInvalid(problems)
        if encoding.lower() not in ("utf-8", "utf8"):
            # Connexion's handler layer re-reads the bytes with json.loads (which guesses
            # the encoding, and gives None when that fails), not with the declared charset.
            try:
                value = json.loads(raw)
            except ValueError:
                value = None
        if value is None:
            return None if body.nullable else copy.deepcopy(body.schema.get("default", {}))
        return value

    async def _respond(self, operation: Operation, result: Any, send: Send) -> None:
        status, headers = 200, {}
        if isinstance(result, tuple):
            result, status, *rest = result
            headers = dict(rest[0]) if rest else {}
        if result is None:
            body = b""
        else:
            validator = operation.responses.get(str(status)) or operation.responses.get("default")
            if validator is not None:
                try:
                    validator.validate(result)
                except ValidationError as exc:
                    raise NonConformingResponseBody(
                        detail=f"Response body does not conform to specification. {exc.message}"
                    ) from None
            body = wirejson.encode(result)
            headers.setdefault("content-type", "application/json")
        await _send(send, status, headers, body)

    @staticmethod
    async def _error(provider: "Provider", exc: Exception, send: Send) -> None:
        body, status, headers = encode_error(provider, exc)
        await _send(send, status, {**headers, "content-type": "application/json"}, body)


async def _send(send: Send, status: int, headers: Mapping[str, str], body: bytes) -> None:
    raw = [(k.lower().encode("latin-1"), str(v).encode("latin-1")) for k, v in headers.items()]
    raw.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
