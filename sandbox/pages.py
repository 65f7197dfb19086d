"""The human-facing HTML pages (Flask): the console at `/` (`sandbox/console/`) and each
provider's hosted pages (checkout, payment links, offsite gateways), mounted at
`/<provider>/hosted/`.

Every page is sent with anti-framing and a content security policy, and every form post
must carry the page's own token (`{{ csrf_field() }}` in a template), so another site can
neither frame a page nor submit its buttons."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import TYPE_CHECKING

from flask import Flask, abort, current_app, g, render_template_string, request
from flask.wrappers import Response
from markupsafe import Markup
from werkzeug.exceptions import NotFound

from sandbox import console
from sandbox.journal import PAGES_SEGMENT

if TYPE_CHECKING:
    from sandbox.runtime import Runtime

_RUNTIME_KEY = "PAYSANDBOX_RUNTIME"

CSRF_FIELD = "csrf_token"

# A hosted link that leads nowhere, in the look of the hosted pages.
_NOT_FOUND = """<!doctype html>
<html><head><meta charset="utf-8"><title>Page not found · {{ title }} sandbox</title>
<link rel="icon" type="image/svg+xml" href="/favicon.svg">
<style nonce="{{ csp_nonce }}">
body{font-family:system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem;color:#222}
.box{border:1px solid #ddd;border-radius:8px;padding:1rem 1.25rem}
.muted{color:#666}code{background:#f3f3f3;padding:0 .3em;word-break:break-all}
.banner{background:#fff4ce;padding:.4rem .75rem;border-radius:6px;margin-bottom:1rem;font-size:.9rem}
</style></head>
<body><div class="banner">paysandbox: a simulated {{ title }} page. No money moves.</div>
<div class="box">
  <h1>Page not found</h1>
  <p>This sandbox has no page at <code>{{ path }}</code>.</p>
  <p class="muted">Payment links and checkout pages come from the API's answers, each
  for one resource. A link stops opening when its resource is gone: after a reset, or a
  restart without <code>--db</code> or with another <code>--seed</code>.</p>
  <p><a href="/{{ name }}/ui/">{{ title }} API docs</a> · <a href="/">the sandbox</a></p>
</div></body></html>"""


def runtime() -> "Runtime":
    """The runtime behind the page being served."""
    return current_app.config[_RUNTIME_KEY]


def base_url() -> str:
    """The base of links a page hands out: the public URL, or the address the request
    arrived on — never the request's Host header."""
    env = request.environ
    name = env["SERVER_NAME"]
    host = f"[{name}]" if ":" in name else name
    return runtime().public_url(f"{request.scheme}://{host}:{env['SERVER_PORT']}")


def csrf_token(path: str | None = None) -> str:
    """The form token of the page at `path` (the current one by default)."""
    config = runtime().config
    if config.page_secret is None:
        config.page_secret = secrets.token_hex(16)  # one process: its own key will do
    target = request.path if path is None else path
    return hmac.new(config.page_secret.encode(), target.encode(), hashlib.sha256).hexdigest()


def _csrf_field() -> Markup:
    return Markup('<input type="hidden" name="%s" value="%s">') % (CSRF_FIELD, csrf_token())


def _check_csrf() -> None:
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    given = request.form.get(CSRF_FIELD, "")
    if not hmac.compare_digest(given.encode("utf-8", "replace"), csrf_token().encode()):
        abort(403, "This form did not come from this page; reload the page and try again.")


def _protect(response: Response) -> Response:
    nonce = g.get("csp_nonce", "")
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    # A page that calls the sandbox itself (the console) opens connect-src to its origin.
    connect = g.get("csp_connect")
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; img-src 'self' data:; "
        f"style-src 'nonce-{nonce}'; script-src 'self' 'nonce-{nonce}'; "
        + (f"connect-src {connect}; " if connect else "")
        + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    )
    return response


def _nonce() -> dict[str, object]:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return {"csp_nonce": g.csp_nonce, "csrf_field": _csrf_field, "base_url": base_url}


def _not_found(error: NotFound) -> tuple[str, int] | NotFound:
    segment, _, rest = request.path.lstrip("/").partition("/")
    provider = runtime().providers.get(segment)
    if provider is None or not rest.startswith(PAGES_SEGMENT + "/"):
        return error  # not a hosted page: Flask's own answer
    page = render_template_string(_NOT_FOUND, title=provider.title, name=segment, path=request.path)
    return page, 404


def build_pages(rt: "Runtime") -> Flask:
    """The Flask app holding every provider's pages."""
    app = Flask("paysandbox")
    app.config[_RUNTIME_KEY] = rt
    app.before_request(_check_csrf)
    app.after_request(_protect)
    app.context_processor(_nonce)
    app.register_error_handler(404, _not_found)
    for name, provider in rt.providers.items():
        if provider.pages is not None:
            app.register_blueprint(provider.pages(), url_prefix=f"/{name}/{PAGES_SEGMENT}")

    app.register_blueprint(console.blueprint(rt, base_url))  # `/` and its assets
    return app
