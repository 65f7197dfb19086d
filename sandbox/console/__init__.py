"""The console at `/`: one HTML page and two static files (no build step), served by the
sandbox's pages app. The page lists the providers, their base URLs and docs without any
script; `console.js` then drives everything else through the control API (`/_sandbox`),
same-origin, under the pages' content security policy.

The console's own reads of the control API carry `X-Paysandbox-Console` and are not
written to the request journal (`journal.CONSOLE_HEADER`): its polling would otherwise push
real traffic out of it. What a person does in it (simulate, advance the clock, redeliver)
is journaled like any other call."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from flask import Blueprint, abort, g, render_template_string, send_file
from flask.wrappers import Response

if TYPE_CHECKING:
    from sandbox.runtime import Runtime

ASSETS_PREFIX = "/_console/"  # where the page's script and stylesheet are served
_STATIC = Path(__file__).with_name("static")
_ASSETS = {"console.js": "text/javascript", "console.css": "text/css"}


@lru_cache(maxsize=1)
def _template() -> str:
    return (_STATIC / "index.html").read_text(encoding="utf-8")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("paysandbox")
    except PackageNotFoundError:
        return "dev"


def blueprint(rt: "Runtime", base_url: Callable[[], str]) -> Blueprint:
    """The console's routes: the page at `/` and its assets under `/_console/`.
    `base_url()` gives the base of the URLs the page shows (see `pages.base_url`)."""
    bp = Blueprint("console", __name__)

    @bp.get("/")
    def index() -> str:
        g.csp_connect = "'self'"  # the page calls the control API with fetch
        return render_template_string(
            _template(),
            providers=[(name, p.title) for name, p in rt.providers.items()],
            base=base_url(),
            now=rt.clock.now().strftime("%Y-%m-%d %H:%M:%SZ"),
            frozen=rt.clock.frozen,
            version=_version(),
            token_required=bool(rt.config.control_token),
        )

    @bp.get(f"{ASSETS_PREFIX}<name>")
    def asset(name: str) -> Response:
        if name not in _ASSETS:
            abort(404)
        # Revalidated on every load (ETag), so an upgraded sandbox never serves stale code.
        return send_file(_STATIC / name, mimetype=_ASSETS[name], max_age=0, conditional=True)

    return bp
