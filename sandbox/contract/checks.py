"""Extra Schemathesis checks, named after the property they assert.

`no_undocumented_fields`: every field of a JSON response is declared by the response
schema. Our specs leave objects open (`additionalProperties` unset), as most gateway docs
imply, so the standard schema check cannot see a renamed or invented field; this one does.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar, Iterator, Mapping

import schemathesis
from schemathesis.core.failures import Failure, Severity


class UndocumentedFields(Failure):
    """The response carries fields its schema does not declare."""

    code: ClassVar[str] = "ST990"
    checks = ("no_undocumented_fields",)
    kind_title = "Undocumented response fields"

    __slots__ = ("fields", "status_code")

    def __init__(
        self, *, operation: str, status_code: int, fields: list[str], case_id: str | None = None
    ) -> None:
        listed = ", ".join(fields)
        super().__init__(
            operation=operation,
            message=f"The {status_code} response has field(s) the spec does not declare: {listed}",
            case_id=case_id,
            severity=Severity.MEDIUM,
        )
        self.status_code = status_code
        self.fields = fields

    @property
    def _unique_key(self) -> str:
        return ",".join(self.fields)


def _resolve(spec: Mapping[str, Any], schema: Any, depth: int = 0) -> Any:
    while isinstance(schema, Mapping) and "$ref" in schema and depth < 32:
        target: Any = spec
        for part in schema["$ref"].lstrip("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        schema, depth = target, depth + 1
    return schema


def _declared(spec: Mapping[str, Any], schema: Any) -> tuple[dict[str, Any], bool]:
    """(properties, open): what an object schema declares, merged through allOf/anyOf/oneOf,
    and whether it admits other keys (`additionalProperties`, or a free-form map)."""
    schema = _resolve(spec, schema)
    if not isinstance(schema, Mapping):
        return {}, True
    properties: dict[str, Any] = dict(schema.get("properties") or {})
    is_open = bool(schema.get("additionalProperties"))
    for key in ("allOf", "anyOf", "oneOf"):
        for part in schema.get(key) or ():
            more, part_open = _declared(spec, part)
            properties.update(more)
            is_open = is_open or part_open
    return properties, is_open or not properties


def undocumented_paths(
    spec: Mapping[str, Any], schema: Any, value: Any, where: str = ""
) -> Iterator[str]:
    """JSON paths (`/data/0/payment_id`) of fields `schema` does not declare."""
    schema = _resolve(spec, schema)
    if isinstance(value, dict):
        properties, is_open = _declared(spec, schema)
        for key, item in value.items():
            if key in properties:
                yield from undocumented_paths(spec, properties[key], item, f"{where}/{key}")
            elif not is_open:
                yield f"{where}/{key}"
    elif isinstance(value, list) and isinstance(schema, Mapping) and "items" in schema:
        for index, item in enumerate(value):
            yield from undocumented_paths(spec, schema["items"], item, f"{where}/{index}")


def _response_schema(operation: Any, status: int) -> Any:
    responses = operation.definition.raw.get("responses", {})
    spec = operation.schema.raw_schema
    for key in (str(status), f"{str(status)[0]}XX", "default"):
        if key in responses:
            response = _resolve(spec, responses[key])
            content = response.get("content") or {}
            for media_type, body in content.items():
                if "json" in media_type:
                    return body.get("schema")
    return None


@schemathesis.check
def no_undocumented_fields(ctx: Any, response: Any, case: Any) -> bool | None:
    """Fails when a JSON response has fields its documented schema does not declare."""
    schema = _response_schema(case.operation, response.status_code)
    if schema is None:
        return None
    try:
        body = json.loads(response.content)
    except ValueError:
        return None  # malformed JSON is the standard checks' business
    extra = sorted(set(undocumented_paths(case.operation.schema.raw_schema, schema, body)))
    if extra:
        raise UndocumentedFields(
            operation=case.operation.label, status_code=response.status_code, fields=extra
        )
    return True
