"""Helping a person who took a wrong turn find the way: a provider path sent without its
prefix is told which prefix serves it, a bare prefix (`/zwitch/`, `/_sandbox/`) leads to
its API docs, whose Authorize dialog already holds the first tenant's test credentials,
and the browser's favicon request gets one.

Suggestions come from the specs' own path templates, so a provider added later is found
without a line here."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from starlette.types import Scope, Send

from sandbox.errors import NOT_FOUND, ApiError
from sandbox.providers.base import ClientRequest

if TYPE_CHECKING:
    from sandbox.app import SpecIndex
    from sandbox.runtime import Runtime

CONTROL = "_sandbox"
DOCS = "ui/"  # Swagger UI of each API, under its prefix
FAVICON_PATHS = ("/favicon.ico", "/favicon.svg")
# A rounded square with a rupee sign, in the hosted pages' blue.
FAVICON = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
    b'<rect width="32" height="32" rx="7" fill="#1a73e8"/>'
    b'<path d="M10 8.5h12M10 13.5h12M10 8.5h3.5a5 5 0 0 1 0 10H10l9.5 8" fill="none" '
    b'stroke="#fff" stroke-width="2.6" stroke-linecap="round" stroke-linejoin="round"/>'
    b"</svg>"
)
_FAVICON_TAG = ('"' + hashlib.sha256(FAVICON).hexdigest()[:16] + '"').encode()
_FAVICON_CACHE = b"public, max-age=86400"  # a day: browsers ask on every page otherwise
_READING = ("GET", "HEAD")

Answer = Callable[[Send], Awaitable[None]]


async def _send(
    send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes, head: bool
) -> None:
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head else body})


class Wayfinding:
    """The answers that show the way, built from the specs the app serves."""

    def __init__(self, runtime: "Runtime", index: "SpecIndex") -> None:
        self.runtime = runtime
        self.index = index
        self.mounts = [*runtime.providers, CONTROL]
        # Path suffixes a provider's paths may carry (.json, .xml), stripped to match.
        self.suffixes = {
            f"/{name}": tuple(r.suffix for r in provider.representations)
            for name, provider in runtime.providers.items()
        }
        # Every path answered here, so any other request costs one dict lookup.
        self._paths: dict[str, Callable[[Scope, bool], Answer | None]] = {
            path: self._favicon for path in FAVICON_PATHS
        }
        for mount in self.mounts:
            self._paths[f"/{mount}"] = self._paths[f"/{mount}/"] = self._to_docs
        for name in runtime.providers:
            self._paths[f"/{name}/{DOCS}"] = self._docs_home
            self._paths[f"/{name}/{DOCS}index.html"] = self._docs_home

    # -- answered before routing -------------------------------------------------------

    def answer(self, scope: Scope) -> Answer | None:
        """The answer for a request that needs no API — the favicon, a bare prefix's docs,
        a provider's docs page with credentials — or None."""
        found = self._paths.get(scope["path"])
        if found is None or scope["method"] not in _READING:
            return None
        return found(scope, scope["method"] == "HEAD")

    def _to_docs(self, scope: Scope, head: bool) -> Answer:
        location = f"/{scope['path'].strip('/')}/{DOCS}".encode()
        return lambda send: _send(send, 302, [(b"location", location)], b"", head)

    def _favicon(self, scope: Scope, head: bool) -> Answer:
        return lambda send: self._send_favicon(scope, send, head)

    async def _send_favicon(self, scope: Scope, send: Send, head: bool) -> None:
        headers = [
            (b"content-type", b"image/svg+xml"),
            (b"cache-control", _FAVICON_CACHE),
            (b"etag", _FAVICON_TAG),
        ]
        asked = dict(scope.get("headers", [])).get(b"if-none-match")
        if asked == _FAVICON_TAG:
            await _send(send, 304, headers, b"", True)
        else:
            await _send(send, 200, headers, FAVICON, head)

    # -- a path no API serves ----------------------------------------------------------

    def elsewhere(self, method: str, path: str) -> list[str]:
        """Where the specs serve `path` (under another prefix, or the path without its
        wrong one), those documenting `method` first."""
        segment, _, rest = path.lstrip("/").partition("/")
        own = f"/{segment}"
        candidates = [path]
        if segment in self.mounts and rest:
            candidates.append("/" + rest)  # a path under the wrong provider's prefix
        found: list[tuple[bool, str]] = []
        for mount, pattern, methods in self.index.routes:
            if mount == own:
                continue
            for candidate in candidates:
                documented = candidate.rstrip("/") or "/"  # no path has a trailing slash
                if self._matches(mount, pattern, documented):
                    suggestion = mount + documented
                    if all(suggestion != known for _, known in found):
                        found.append((method not in methods, suggestion))
        return [suggestion for _, suggestion in sorted(found, key=lambda f: f[0])]

    def _matches(self, mount: str, pattern: re.Pattern[str], path: str) -> bool:
        if pattern.match(path):
            return True
        for suffix in self.suffixes.get(mount, ()):
            if path.endswith(suffix) and pattern.match(path[: -len(suffix)]):
                return True
        return False

    def not_found(self, method: str, path: str) -> ApiError | None:
        """A 404 that says where the path lives, when the specs serve it elsewhere."""
        suggestions = self.elsewhere(method, path)[:5]
        if not suggestions:
            return None
        prefixes = ", ".join(
            f"/{name} ({provider.title})" for name, provider in self.runtime.providers.items()
        )
        return ApiError(
            404,
            NOT_FOUND,
            f"No such endpoint: {path}. Did you mean {' or '.join(suggestions)}? Each provider "
            f"is served under its prefix: {prefixes}; the control API under /{CONTROL}.",
            details={"did_you_mean": suggestions},
        )

    # -- Swagger UI with the test credentials ------------------------------------------

    def _docs_home(self, scope: Scope, head: bool) -> Answer | None:
        """Swagger UI's home page of a provider's API, its Authorize dialog filled in with
        the first tenant's credentials. Not when a control token guards the sandbox (the
        docs are public, the credentials then are not), nor for the control API: Connexion
        serves those pages as they are."""
        if self.runtime.config.control_token:
            return None
        mount = scope["path"].lstrip("/").split("/", 1)[0]
        page = _swagger_home(f"/{mount}/openapi.json", self.credentials(mount))
        headers = [(b"content-type", b"text/html; charset=utf-8"), (b"cache-control", b"no-store")]
        return lambda send: _send(send, 200, headers, page, head)

    def credentials(self, name: str) -> dict[str, Any]:
        """Security scheme name → what Swagger UI's Authorize dialog takes for it
        (`{"value": ...}`, or `{"username", "password"}` for HTTP Basic), computed by the
        provider for an operation that uses the scheme, as any client of the sandbox."""
        provider = self.runtime.providers[name]
        tenant = self.runtime.tenants[name][0]
        spec = self.index.specs[name]
        found: dict[str, Any] = {}
        for scheme_name, scheme in spec.get("components", {}).get("securitySchemes", {}).items():
            operation = _operation_using(spec, scheme_name)
            if operation is None:
                continue
            method, template = operation
            request = ClientRequest(
                method=method,
                path=template,
                headers={},
                body=None,
                clock=self.runtime.clock.now_ms,
            )
            headers = {
                k.lower(): v for k, v in provider.credentials_for(tenant, request).headers.items()
            }
            value = _authorize_value(scheme, headers)
            if value is not None:
                found[scheme_name] = value
        return found


def _operation_using(spec: dict[str, Any], scheme: str) -> tuple[str, str] | None:
    default = spec.get("security") or []
    for template, item in spec.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for requirement in operation.get("security", default) or []:
                if list(requirement) == [scheme]:
                    return method.upper(), template
    return None


def _authorize_value(scheme: dict[str, Any], headers: dict[str, str]) -> dict[str, str] | None:
    kind = scheme.get("type")
    if kind == "apiKey" and scheme.get("in") == "header":
        value = headers.get(scheme["name"].lower())
        return None if value is None else {"value": value}
    authorization = headers.get("authorization", "")
    word, _, credential = authorization.partition(" ")
    if kind == "http" and scheme.get("scheme", "").lower() == word.lower() == "bearer":
        return {"value": credential}
    if kind == "http" and scheme.get("scheme", "").lower() == word.lower() == "basic":
        try:
            username, _, password = base64.b64decode(credential).decode().partition(":")
        except ValueError:
            return None
        return {"username": username, "password": password}
    return None


def _swagger_home(spec_url: str, credentials: dict[str, Any]) -> bytes:
    # Connexion's index.j2 for Swagger UI 4, plus persisted authorizations and the
    # test credentials put into the Authorize dialog once the spec has loaded.
    data = json.dumps({"url": spec_url, "credentials": credentials}).replace("</", "<\\/")
    return _SWAGGER_HOME.replace("__DATA__", data).encode()


_SWAGGER_HOME = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<title>Swagger UI · paysandbox</title>
<link rel="stylesheet" type="text/css" href="./swagger-ui.css">
<link rel="icon" type="image/svg+xml" href="/favicon.svg">
<style>html{box-sizing:border-box;overflow-y:scroll}*,*:before,*:after{box-sizing:inherit}
body{margin:0;background:#fafafa}</style>
</head>
<body>
<div id="swagger-ui"></div>
<script src="./swagger-ui-bundle.js" charset="UTF-8"></script>
<script src="./swagger-ui-standalone-preset.js" charset="UTF-8"></script>
<script>
window.onload = function () {
  const sandbox = __DATA__;
  const ui = SwaggerUIBundle({
    url: sandbox.url,
    dom_id: "#swagger-ui",
    deepLinking: true,
    persistAuthorization: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: "StandaloneLayout",
    onComplete: function () {
      // What the user authorized before (persisted) stays; the rest gets the test values.
      const authorized = ui.authSelectors.authorized().toJS();
      for (const [scheme, given] of Object.entries(sandbox.credentials)) {
        if (scheme in authorized) {
          continue;
        }
        if ("username" in given) {
          ui.preauthorizeBasic(scheme, given.username, given.password);
        } else {
          ui.preauthorizeApiKey(scheme, given.value);
        }
      }
    },
  });
  window.ui = ui;
};
</script>
</body>
</html>
"""
