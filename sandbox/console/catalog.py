"""What `GET /_sandbox/providers` tells the console (and anyone else): each registered
provider's URLs, the kinds of resource it keeps with their states and transitions, its
tenants with how many records of each kind they hold, and a ready-made first request per
tenant. Everything comes from the registry, the lifecycle data, the spec and the store's
tallies, so a new provider shows up without a line written for it here."""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Mapping

import yaml

from sandbox import bodies
from sandbox.providers.base import ClientRequest, Provider, Tenant

if TYPE_CHECKING:
    from sandbox.runtime import Runtime

log = logging.getLogger("paysandbox")

_WRITES = ("post", "put", "patch")
_BODY_TYPES = ("application/json", "application/x-www-form-urlencoded")


def provider_info(rt: "Runtime", name: str) -> dict[str, Any]:
    """One provider as the control API lists it."""
    provider = rt.providers[name]
    counts = rt.store.kinds(name)
    return {
        "name": name,
        "title": provider.title,
        "prefix": f"/{name}",
        "docs": f"/{name}/ui/",
        "spec": f"/{name}/openapi.json",
        "webhooks": provider.webhooks is not None,
        "signature_headers": list(provider.webhooks.signature_headers) if provider.webhooks else [],
        "kinds": kinds(rt, name, counts),
        "tenants": [
            {
                "id": tenant.id,
                "name": tenant.name,
                "resources": counts.get(tenant.id, {}),
                "example": example_request(rt, provider, tenant),
            }
            for tenant in rt.tenants[name]
        ],
    }


def kinds(rt: "Runtime", name: str, counts: Mapping[str, Mapping[str, int]]) -> list[dict]:
    """The kinds the provider declares (lifecycle order), then any other kind it stores
    (internal records such as a chat session), each with its states and transitions."""
    declared = rt.engine.kinds(name)
    stored = sorted({kind for by_kind in counts.values() for kind in by_kind} - set(declared))
    found = []
    for kind in declared:
        machine = rt.engine.machine(name, kind)
        found.append(
            {
                "kind": kind,
                "lifecycle": not machine.record,
                "initial": machine.initial,
                "states": sorted(machine.states),
                "terminal": sorted(machine.terminal),
                "events": list(machine.transitions),
            }
        )
    for kind in stored:
        found.append(
            {
                "kind": kind,
                "lifecycle": False,
                "initial": None,
                "states": [],
                "terminal": [],
                "events": [],
            }
        )
    return found


# -- a first request per tenant ---------------------------------------------------------------


def example_request(rt: "Runtime", provider: Provider, tenant: Tenant) -> dict[str, Any] | None:
    """A request the tenant can send as it is, with its credentials: the spec's first
    authenticated read (or, for an API without one, its first write that has an example
    body) whose parameters the tenant's own values fill. Values of the spec's examples that
    belong to the documents' tenant (the provider's first default one) are translated to
    this tenant's. Credentials that depend on the request (a checksum, a fresh JWT) are
    computed now, on the sandbox clock. None when no operation qualifies."""
    try:
        return _example(rt, provider, tenant)
    except Exception:  # a provider's auth hook or an odd spec must not break the catalog
        log.exception("no example request for %s %s", provider.name, tenant.id)
        return None


def _example(rt: "Runtime", provider: Provider, tenant: Tenant) -> dict[str, Any] | None:
    operations = _operations(provider.spec_file)
    documented = provider.default_tenants[0] if provider.default_tenants else None
    translate = _Translator(documented, tenant)
    own = _scalars(tenant)
    for method, path, operation in operations:
        filled = _fill(path, operation["parameters"], own, translate)
        if filled is None:
            continue
        api_path, query = filled
        body = translate(operation["example"]) if method in _WRITES else None
        if method in _WRITES and body is None:
            continue
        credentials = provider.credentials_for(
            tenant,
            ClientRequest(
                method=method.upper(),
                path=api_path,
                headers={},
                body=body,
                clock=rt.clock.now_ms,
            ),
        )
        if credentials.body_fields and isinstance(body, dict):
            body = {**body, **credentials.body_fields}
        headers = dict(credentials.headers)
        text = None
        if body is not None:
            content_type = operation["content_type"]
            headers["Content-Type"] = content_type
            text = bodies.encode(body, content_type).decode()
        return {
            "method": method.upper(),
            "path": f"/{provider.name}{api_path}",
            "query": query,
            "headers": headers,
            "body": text,
            "summary": operation["summary"],
        }
    return None


def _scalars(tenant: Tenant) -> dict[str, str]:
    """The tenant's own values by name (credentials, then profile), for path and query
    parameters named like them (`merchant_id`, `website_id`)."""
    found = {}
    for source in (tenant.profile, tenant.credentials):
        for key, value in source.items():
            if _scalar(value):
                found[key] = str(value)
    return found


def _flatten(tenant: Tenant) -> Iterator[tuple[tuple[Any, ...], Any]]:
    yield ("id",), tenant.id
    for section, values in (("credentials", tenant.credentials), ("profile", tenant.profile)):
        for key, value in values.items():
            if isinstance(value, list):
                for index, item in enumerate(value):
                    yield (section, key, index), item
            else:
                yield (section, key), value


class _Translator:
    """Maps values of the documents' tenant to this tenant's (recursively through lists
    and objects); other values pass unchanged."""

    def __init__(self, documented: Tenant | None, tenant: Tenant) -> None:
        own = dict(_flatten(tenant))
        self.mapping: dict[str, Any] = {}
        if documented is not None:
            for place, value in _flatten(documented):
                if _scalar(value) and place in own:
                    self.mapping.setdefault(str(value), own[place])

    def knows(self, value: Any) -> bool:
        """Whether `value` belongs to the documents' tenant."""
        return _scalar(value) and str(value) in self.mapping

    def __call__(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: self(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self(v) for v in value]
        return self.mapping.get(str(value), value) if _scalar(value) else value


def _scalar(value: Any) -> bool:
    return isinstance(value, (str, int)) and not isinstance(value, bool)


def _fill(
    path: str, parameters: list[dict[str, Any]], own: Mapping[str, str], translate: _Translator
) -> tuple[str, dict[str, str]] | None:
    """The path with its parameters filled and the required query parameters, or None
    when one of them cannot be filled from the tenant."""
    query: dict[str, str] = {}
    for parameter in parameters:
        where, name = parameter.get("in"), parameter.get("name", "")
        if where not in ("path", "query") or (where == "query" and not parameter.get("required")):
            if parameter.get("required") and where in ("header", "cookie"):
                return None
            continue
        value = own.get(name)
        if value is None:
            example = parameter.get("example", (parameter.get("schema") or {}).get("example"))
            if not translate.knows(example):
                return None  # an example that is not the tenant's: no resource of its own
            value = str(translate(example))
        if where == "path":
            path = path.replace("{" + name + "}", value)
        else:
            query[name] = value
    return path, query


@lru_cache(maxsize=32)
def _operations(spec_file: Path) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path, operation) candidates of a spec: authenticated reads first, then
    writes, each in the spec's order. An API without any security scheme authenticates in
    its bodies, so every operation is a candidate; otherwise public ones are not."""
    # The C loader when present: the pure-Python one takes seconds over every spec.
    spec = yaml.load(spec_file.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    schemes = (spec.get("components") or {}).get("securitySchemes") or {}
    found: list[tuple[str, str, dict[str, Any]]] = []
    for wanted in (("get",), _WRITES):
        for path, item in (spec.get("paths") or {}).items():
            for method in wanted:
                operation = item.get(method)
                if not isinstance(operation, dict):
                    continue
                security = operation.get("security", spec.get("security"))
                if schemes and not any(requirement for requirement in security or []):
                    continue
                parameters = [
                    _resolve(spec, p)
                    for p in [*item.get("parameters", []), *operation.get("parameters", [])]
                ]
                content_type, example = _example_body(spec, operation)
                found.append(
                    (
                        method,
                        path,
                        {
                            "parameters": parameters,
                            "example": example,
                            "content_type": content_type,
                            "summary": operation.get("summary", ""),
                        },
                    )
                )
    return found


def _example_body(spec: Mapping[str, Any], operation: Mapping[str, Any]) -> tuple[str, Any]:
    content = (_resolve(spec, operation.get("requestBody") or {})).get("content") or {}
    for content_type in _BODY_TYPES:
        media = content.get(content_type)
        if media is None:
            continue
        if "example" in media:
            return content_type, media["example"]
        schema = _resolve(spec, media.get("schema") or {})
        if "example" in schema:
            return content_type, schema["example"]
    return "application/json", None


def _resolve(spec: Mapping[str, Any], node: Any) -> Any:
    """A local `$ref` followed (one level deep is all parameters and bodies need)."""
    if isinstance(node, dict) and isinstance(node.get("$ref"), str):
        target: Any = spec
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        return target
    return node
