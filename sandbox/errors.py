"""One error family for everything answered to a client, and the app-wide handler that
renders it in the shape of the provider whose prefix the request used."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable

from connexion.exceptions import BadRequestProblem, ProblemException
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from starlette.exceptions import HTTPException

from sandbox.lifecycle import IllegalTransition, NotFound
from sandbox.wirejson import encode

if TYPE_CHECKING:
    from sandbox.providers.base import Provider

log = logging.getLogger("paysandbox")

# Generic codes the core uses; a provider's renderer may translate them to its own.
VALIDATION = "validation_error"
UNAUTHORIZED = "unauthorized"
FORBIDDEN = "forbidden"
NOT_FOUND = "not_found"
METHOD_NOT_ALLOWED = "method_not_allowed"
UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
CONFLICT = "conflict"
RATE_LIMITED = "rate_limited"
INTERNAL = "internal_error"

_CODE_BY_STATUS = {
    400: VALIDATION,
    401: UNAUTHORIZED,
    403: FORBIDDEN,
    404: NOT_FOUND,
    405: METHOD_NOT_ALLOWED,
    409: CONFLICT,
    415: UNSUPPORTED_MEDIA_TYPE,
    429: RATE_LIMITED,
}
# Connexion ends a validation detail with " - 'field.path'".
_FIELD_SUFFIX = re.compile(r" - '([^']*)'$")
# Messages echo bad values; a 20 MB value must not come back whole.
QUOTE_PREFIX = 40  # characters of a quoted value kept in a message
MESSAGE_LIMIT = 500  # characters of a message, whatever it quotes
NO_SUCH_ENDPOINT = "No such endpoint. Check the path against the API reference."
_LONG_QUOTED = re.compile(r"""(['"])([^'"\n]{%d})[^'"\n]+\1""" % QUOTE_PREFIX)


def clip(message: str) -> str:
    """`message` with every long quoted value cut to a short prefix, and at most
    MESSAGE_LIMIT characters in all."""
    if len(message) <= MESSAGE_LIMIT // 2:
        return message
    message = _LONG_QUOTED.sub(r"\1\2…\1", message)
    return message if len(message) <= MESSAGE_LIMIT else message[: MESSAGE_LIMIT - 1] + "…"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a request, classified from the validator's structured error
    (never from its wording), so a provider can map each to its own codes or bits.

    `rule` is the JSON-Schema keyword that failed (`required`, `type`, `format`, `enum`,
    `maxLength`, `minimum`, `pattern`, `additionalProperties`, ...), or `malformed` for a
    body that does not parse. `field` is the dotted path of the field concerned (for
    `required`, the missing one; None for the body as a whole). `path` is where the
    validator reported it (for `required`, the object lacking the field), which the
    single-message rendering names."""

    location: str  # body, query, path, header, cookie
    field: str | None
    rule: str
    message: str  # the validator's message for this problem, without the field
    path: str | None = None

    @property
    def text(self) -> str:
        """The problem as one line: `path: message` (how every error message reads)."""
        return f"{self.path}: {self.message}" if self.path else self.message


class RequestInvalid(BadRequestProblem):
    """A 400 carrying every problem the validators found, in the order they report them
    (raised inside Connexion's validation and by the fast path alike)."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__(detail=self.problems[0].text)


class ApiError(Exception):
    """An error answered to the client: status, a stable code, a message that says how to
    fix the request, and optionally the offending field. A validation error carries every
    problem of the request in `problems` (message and field describe the first)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        field: str | None = None,
        headers: dict[str, str] | None = None,
        details: dict[str, Any] | None = None,
        problems: Iterable[Problem] = (),
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = headers or {}
        self.details = details or {}
        self.problems = tuple(problems)


def from_exception(exc: Exception, auth_hint: str = "") -> ApiError:
    """Translates any exception raised while serving a request into an ApiError."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, NotFound):
        return ApiError(404, NOT_FOUND, f"No {exc.kind.replace('_', ' ')} with id {exc.id!r}.")
    if isinstance(exc, IllegalTransition):
        return ApiError(
            409, CONFLICT, str(exc), details={"allowed": exc.allowed, "state": exc.record.state}
        )
    if isinstance(exc, RequestInvalid):
        first = exc.problems[0]
        return ApiError(400, VALIDATION, first.text, field=first.path, problems=exc.problems)
    if isinstance(exc, (ProblemException, HTTPException)):
        status = getattr(exc, "status", None) or exc.status_code
        detail = str(getattr(exc, "detail", "") or getattr(exc, "title", "") or "")
        err = _from_problem(status, detail, auth_hint)
        err.headers.update(getattr(exc, "headers", None) or {})  # e.g. Allow on a 405
        return err
    log.error("unexpected error while serving a request", exc_info=exc)
    return ApiError(500, INTERNAL, "The sandbox failed unexpectedly; see its log.")


def _from_problem(status: int, detail: str, auth_hint: str) -> ApiError:
    code = _CODE_BY_STATUS.get(status, INTERNAL if status >= 500 else VALIDATION)
    field = None
    found = _FIELD_SUFFIX.search(detail)
    if found:
        field = found.group(1) or None
        detail = detail[: found.start()]
        if field:
            detail = f"{field}: {detail}"
    if status == 401:
        detail = f"{detail.rstrip('.')}. {auth_hint}".strip()
    elif status == 404 and detail in ("", "Not Found"):
        detail = NO_SUCH_ENDPOINT
    elif status == 405:
        detail = "This endpoint does not support that HTTP method."
    return ApiError(status, code, detail or "The request could not be processed.", field=field)


def render_control_error(err: ApiError) -> tuple[dict[str, Any], int]:
    """The control API's own error shape."""
    body: dict[str, Any] = {"error": {"code": err.code, "message": err.message}}
    if err.field:
        body["error"]["field"] = err.field
    if err.details:
        body["error"].update(err.details)
    return body, err.status


def encode_error(provider: "Provider | None", exc: Exception) -> tuple[bytes, int, dict[str, str]]:
    """Any exception as (JSON body, status, headers) in the shape of `provider` (the control
    API's own shape when None): the one place every error answer is made."""
    err = from_exception(exc, provider.auth_hint if provider else "")
    err.message = clip(err.message)
    body, status = render_control_error(err) if provider is None else provider.render_error(err)
    return encode(body), status, err.headers


def _no_route(exc: Exception) -> bool:
    """Whether the router found nothing at the path (not a handler's missing resource)."""
    if not isinstance(exc, (ProblemException, HTTPException)) or isinstance(exc, ApiError):
        return False
    status = getattr(exc, "status", None) or getattr(exc, "status_code", None)
    detail = str(getattr(exc, "detail", "") or getattr(exc, "title", "") or "")
    return status == 404 and detail in ("", "Not Found")


def json_response(
    body: Any, status: int, headers: dict[str, str] | None = None
) -> ConnexionResponse:
    """A JSON response for error handlers."""
    return ConnexionResponse(
        status_code=status,
        mimetype="application/json",
        content_type="application/json",
        body=encode(body),
        headers=headers or {},
    )


def make_error_handler(
    providers: dict[str, "Provider"],
    documented_methods: Callable[[str], list[str]],
    elsewhere: Callable[[str, str], ApiError | None] = lambda _method, _path: None,
) -> Callable[[ConnexionRequest, Exception], ConnexionResponse]:
    """The one handler registered for every exception: picks the provider from the first
    path segment so no generic problem+json leaks out under a provider's prefix. A path no
    route serves may be served elsewhere (`elsewhere(method, path)` says where)."""

    def handle(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        segment = request.url.path.lstrip("/").split("/", 1)[0]
        if _no_route(exc):
            exc = elsewhere(request.method, request.url.path) or exc
        body, status, headers = encode_error(providers.get(segment), exc)
        if status == 405:
            # The router knows only the route it matched first; the spec knows them all.
            headers["Allow"] = ", ".join(documented_methods(request.url.path))
        return ConnexionResponse(
            status_code=status,
            mimetype="application/json",
            content_type="application/json",
            body=body,
            headers=headers,
        )

    return handle
