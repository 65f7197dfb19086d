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

import base64
import inspect
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Mapping
from urllib.parse import parse_qsl

import jsonschema_rs
from connexion.exceptions import (
    BadRequestProblem,
    NonConformingResponseBody,
    OAuthProblem,
    OAuthResponseProblem,
    UnsupportedMediaTypeProblem,
)
from connexion.json_schema import (
    Draft4RequestValidator,
    Draft4ResponseValidator,
    format_error_with_path,
)
from connexion.jsonifier import Jsonifier
from connexion.security import NO_VALUE
from connexion.spec import Specification
from jsonschema import Draft4Validator, ValidationError
from starlette.types import Receive, Scope, Send

from sandbox.asgi import read_body
from sandbox.errors import encode_error
from sandbox.faults import FaultMiddleware
from sandbox.validation import parameter_error, parameter_validator, parse_json_body

if TYPE_CHECKING:
    from sandbox.providers.base import Provider

_METHODS = ("get", "put", "post", "delete", "patch")
_SCALARS = {"string", "integer", "number", "boolean"}
_NO_DEFAULT = object()
_JSON = Jsonifier()


@dataclass(frozen=True)
class Parameter:
    """A path or query parameter with a scalar schema."""

    name: str
    location: str
    required: bool
    kind: str
    default: Any
    validator: Draft4Validator  # Connexion's rules and wording
    check: Any  # jsonschema-rs, clears valid values fast (see _compile_body)


@dataclass(frozen=True)
class Operation:
    """Everything needed to serve one operation, prepared at start-up."""

    provider: "Provider"
    operation_id: str
    method: str
    template: str
    pattern: re.Pattern[str]
    parameters: tuple[Parameter, ...]
    body_required: bool | None  # None: the operation takes no body
    body_validator: Any  # Connexion's: the authority, and the error messages
    body_check: Any  # a compiled (Rust) validator that clears valid bodies fast
    security: tuple[tuple[tuple[str, dict, list[str], Callable[..., Any]], ...], ...]
    handler: Callable[..., Awaitable[Any]]
    accepts: frozenset[str]
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
    compiled = []
    for param in raw:
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
                validator=parameter_validator(param),
                check=jsonschema_rs.Draft4Validator(schema, validate_formats=True),
            )
        )
    return tuple(compiled)


def _compile_body(operation: dict) -> tuple[bool | None, Any, Any] | None:
    body = operation.get("requestBody")
    if body is None:
        return None, None, None
    content = body.get("content", {})
    if list(content) != ["application/json"]:
        return None  # other media types keep Connexion's handling
    schema = content["application/json"].get("schema", {})
    validator = Draft4RequestValidator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)
    # jsonschema-rs is stricter, never looser, than Connexion's validator here (it checks
    # formats fully and knows no `nullable`), so a body it accepts is valid; anything it
    # refuses goes to Connexion's validator, which decides and words the error.
    return (
        bool(body.get("required")),
        validator,
        jsonschema_rs.Draft4Validator(schema, validate_formats=True),
    )


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
    """The operations of one provider's spec this path can serve."""
    compiled = []
    schemes = spec.security_schemes
    for template, item in spec["paths"].items():
        for method in _METHODS:
            if method not in item:
                continue
            operation = item[method]
            parameters = _compile_parameters(
                [*item.get("parameters", []), *operation.get("parameters", [])]
            )
            body = _compile_body(operation)
            if parameters is None or body is None:
                continue
            requirements = operation.get("security", spec.security) or []
            security = tuple(
                tuple(
                    (name, schemes[name], scopes, provider.authenticate(schemes[name]))
                    for name, scopes in requirement.items()
                )
                for requirement in requirements
            )
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
                    body_required=body[0],
                    body_validator=body[1],
                    body_check=body[2],
                    security=security,
                    handler=handler,
                    accepts=frozenset(inspect.signature(handler).parameters),
                    responses=_compile_responses(operation) if validate_responses else {},
                )
            )
    return compiled


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


def _check_scheme(
    scheme: dict, scopes: list[str], verify: Callable[..., Any], scope: Scope, query: dict[str, str]
) -> Any:
    """One scheme the way Connexion's security handlers check it: NO_VALUE when the request
    does not carry it, token info when it verifies, an exception otherwise."""
    kind = scheme["type"]
    if kind == "http":
        authorization = _header(scope, b"authorization")
        if not authorization:
            return NO_VALUE
        try:
            auth_type, value = authorization.split(maxsplit=1)
        except ValueError:
            raise OAuthProblem(detail="Invalid authorization header") from None
        if auth_type.lower() != scheme["scheme"].lower():
            return NO_VALUE
        if auth_type.lower() == "basic":
            try:
                username, password = base64.b64decode(value).decode("latin1").split(":", 1)
            except Exception:
                raise OAuthProblem(detail="Invalid authorization header") from None
            info = verify(username, password)
        else:
            info = verify(value)
    elif kind == "apiKey":
        where = scheme["in"]
        value = (
            query.get(scheme["name"])
            if where == "query"
            else _header(scope, scheme["name"].lower().encode())
            if where == "header"
            else None
        )
        if value is None:
            return NO_VALUE
        info = verify(value, required_scopes=scopes)
    else:
        raise OAuthProblem(detail=f"Unsupported security scheme {kind!r}")
    if info is None:
        raise OAuthResponseProblem(detail="Provided authorization is not valid")
    return info


def _authenticate(operation: Operation, scope: Scope, query: dict[str, str]) -> dict[str, Any]:
    if not operation.security:
        return {}
    errors: list[Exception] = []
    for requirement in operation.security:
        if not requirement:
            return {}
        try:
            found = {
                name: _check_scheme(scheme, scopes, verify, scope, query)
                for name, scheme, scopes, verify in requirement
            }
        except Exception as exc:  # noqa: BLE001 - kept to pick the most specific below
            errors.append(exc)
            continue
        if all(info is not NO_VALUE for info in found.values()):
            return next(iter(found.values())) if len(found) == 1 else found
    if not errors:
        raise OAuthProblem(detail="No authorization token provided")
    by_status = {getattr(e, "status_code", getattr(e, "status", 600)): e for e in errors}
    raise by_status.get(403) or by_status.get(401) or by_status[min(by_status)]


class FastPath:
    """Serves compiled provider operations; `handle` answers False for anything else."""

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

    def match(self, method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
        """The compiled operation for a request, with its path parameters."""
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
        query = dict(
            parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        )
        try:
            token_info = _authenticate(operation, scope, query)
            extensions = scope.setdefault("extensions", {})
            extensions["connexion_routing"] = {
                "api_base_path": f"/{operation.provider.name}",
                "operation_id": operation.operation_id,
            }
            extensions["connexion_context"] = {"token_info": token_info}
            scope["paysandbox.fast"] = (operation, path_params, query, token_info)
            await self._faults(scope, receive, send)
        except Exception as exc:  # noqa: BLE001 - every error becomes the provider's answer
            await self._error(operation.provider, exc, send)
        return True

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        operation, path_params, query, token_info = scope["paysandbox.fast"]
        try:
            kwargs = self._arguments(operation, path_params, query, token_info)
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
        token_info: dict[str, Any],
    ) -> dict[str, Any]:
        kwargs: dict[str, Any] = {}
        for param in operation.parameters:
            raw = path_params.get(param.name) if param.location == "path" else query.get(param.name)
            if raw is None:
                if param.required:
                    raise BadRequestProblem(
                        detail=f"Missing {param.location} parameter '{param.name}'"
                    )
                if param.default is not _NO_DEFAULT and param.name in operation.accepts:
                    kwargs[param.name] = param.default
                continue
            value = _coerce(raw, param.kind)
            if not param.check.is_valid(value):
                error = parameter_error(param.validator, param.name, value)
                if error:
                    raise BadRequestProblem(detail=error)
            if param.name in operation.accepts:
                kwargs[param.name] = value
        if "token_info" in operation.accepts:
            kwargs["token_info"] = token_info
        return kwargs

    @staticmethod
    async def _body(operation: Operation, scope: Scope, receive: Receive) -> Any:
        content_type = _header(scope, b"content-type")
        mime, _, params = (content_type or "application/json").partition(";")
        mime = mime.strip().lower()
        if mime != "application/json" and not mime.endswith("+json"):
            raise UnsupportedMediaTypeProblem(
                detail=f"Invalid Content-type ({mime}), expected ['application/json']"
            )
        charset = dict(part.strip().split("=", 1) for part in params.split(";") if "=" in part).get(
            "charset", "utf-8"
        )
        body = parse_json_body(await read_body(receive), charset.strip('"'))
        if body is None:
            if operation.body_required:
                raise BadRequestProblem(detail="RequestBody is required")
            return None
        if operation.body_check.is_valid(body):
            return body
        try:
            operation.body_validator.validate(body)
        except ValidationError as exc:
            raise BadRequestProblem(detail=f"{exc.message}{format_error_with_path(exc)}") from None
        return body

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
            body = _JSON.dumps(result).encode()
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
