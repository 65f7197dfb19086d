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

from flask import Flask, abort, current_app, g, request
from flask.wrappers import Response
from markupsafe import Markup

from sandbox import console
from sandbox.journal import PAGES_SEGMENT

if TYPE_CHECKING:
    from sandbox.runtime import Runtime

_RUNTIME_KEY = "PAYSANDBOX_RUNTIME"

CSRF_FIELD = "csrf_token"


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


def build_pages(rt: "Runtime") -> Flask:
    """The Flask app holding every provider's pages."""
    app = Flask("paysandbox")
    app.config[_RUNTIME_KEY] = rt
    app.before_request(_check_csrf)
    app.after_request(_protect)
    app.context_processor(_nonce)
    for name, provider in rt.providers.items():
        if provider.pages is not None:
            app.register_blueprint(provider.pages(), url_prefix=f"/{name}/{PAGES_SEGMENT}")

    app.register_blueprint(console.blueprint(rt, base_url))  # `/` and its assets
    return app
