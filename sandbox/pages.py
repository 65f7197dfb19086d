"""The human-facing HTML pages (Flask): a landing page and each provider's hosted pages
(checkout, payment links, offsite gateways), mounted at `/<provider>/hosted/`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask, current_app, render_template_string, request

from sandbox.journal import PAGES_SEGMENT

if TYPE_CHECKING:
    from sandbox.runtime import Runtime

_RUNTIME_KEY = "PAYSANDBOX_RUNTIME"

_INDEX = """<!doctype html>
<html><head><meta charset="utf-8"><title>paysandbox</title>
<style>body{font-family:system-ui,sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem}
code{background:#f3f3f3;padding:0 .3em}</style></head>
<body><h1>paysandbox</h1>
<p>Sandbox time: <code>{{ now }}</code>{% if frozen %} (frozen){% endif %}</p>
<h2>Providers</h2><ul>
{% for name, provider in providers.items() %}
<li><b>{{ provider.title }}</b>: base URL <code>{{ base }}/{{ name }}</code>,
 <a href="/{{ name }}/ui/">API docs</a></li>
{% endfor %}</ul>
<h2>Control API</h2><p><a href="/_sandbox/ui/">/_sandbox</a>:
reset, clock, credentials, request journal, simulate.</p>
</body></html>"""


def runtime() -> "Runtime":
    """The runtime behind the page being served."""
    return current_app.config[_RUNTIME_KEY]


def build_pages(rt: "Runtime") -> Flask:
    """The Flask app holding every provider's pages."""
    app = Flask("paysandbox")
    app.config[_RUNTIME_KEY] = rt
    for name, provider in rt.providers.items():
        if provider.pages is not None:
            app.register_blueprint(provider.pages(), url_prefix=f"/{name}/{PAGES_SEGMENT}")

    @app.get("/")
    def index() -> str:
        return render_template_string(
            _INDEX,
            providers=rt.providers,
            now=rt.clock.now().isoformat(),
            frozen=rt.clock.frozen,
            base=rt.public_url(request.host_url),
        )

    return app
