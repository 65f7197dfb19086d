"""What a failed check says about drift between an API and its spec, in one line."""

from __future__ import annotations

import re

from schemathesis.core.failures import Failure, MalformedJson
from schemathesis.openapi.checks import (
    JsonSchemaError,
    MalformedMediaType,
    MissingContentType,
    UndefinedContentType,
    UndefinedStatusCode,
)

from sandbox.contract.checks import UndocumentedFields

_JSON_TYPES = {
    dict: "object",
    list: "array",
    str: "string",
    bool: "boolean",
    int: "integer",
    float: "number",
    type(None): "null",
}


def _where(path: object) -> str:
    parts = [str(p) for p in (path or [])]
    return "/" + "/".join(parts) if parts else "the body"


def _schema_drift(failure: JsonSchemaError) -> str:
    keyword = str(failure.schema_path[-1]) if failure.schema_path else ""
    raw = getattr(failure, "_raw_message", "") or failure.message.splitlines()[0]
    where = _where(failure.instance_path)
    if keyword == "required":
        found = re.match(r"""["']([^"']+)["'] is a required property""", raw)
        name = found.group(1) if found else raw
        return f"missing field '{name}' in {where}"
    if keyword == "type":
        actual = _JSON_TYPES.get(type(failure.instance), type(failure.instance).__name__)
        return f"wrong type at {where}: {raw} (got {actual})"
    if keyword == "additionalProperties":
        return f"extra field at {where}: {raw}"
    return f"value at {where} breaks '{keyword}': {raw}"


def describe(failure: Failure) -> str | None:
    """A drift line for failures that mean "the API answers outside its spec"; None for the
    others (server errors, auth, rejected data), which are reported as plain failures."""
    if isinstance(failure, UndefinedStatusCode):
        documented = ", ".join(str(code) for code in failure.defined_status_codes)
        return f"undocumented status {failure.status_code} (documented: {documented})"
    if isinstance(failure, UndocumentedFields):
        return "extra field(s) " + ", ".join(failure.fields)
    if isinstance(failure, JsonSchemaError):
        return _schema_drift(failure)
    if isinstance(failure, UndefinedContentType):
        documented = ", ".join(failure.defined_content_types)
        return f"undocumented content type {failure.content_type} (documented: {documented})"
    if isinstance(failure, MissingContentType):
        return "response without a Content-Type header"
    if isinstance(failure, MalformedMediaType):
        return f"malformed content type {failure.actual!r}"
    if isinstance(failure, MalformedJson):
        return "response body is not valid JSON"
    return None
