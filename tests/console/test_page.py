"""The console page as served, without a browser: what it lists without any script, the
headers that protect it, its assets, and rules its script keeps (checked in its source)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import sandbox.console

STATIC = Path(sandbox.console.__file__).with_name("static")


def test_the_page_lists_every_provider_its_base_url_and_docs_without_script(sb):
    with sb.client() as browser:
        page = browser.get("/")
    assert page.status_code == 200
    for name in sb.runtime.providers:
        assert f"<code>{sb.url}/{name}</code>" in page.text
        assert f'href="/{name}/ui/"' in page.text and f'href="/{name}/openapi.json"' in page.text
    assert 'href="/_sandbox/ui/"' in page.text
    assert "2024-01-15 10:00:00Z" in page.text  # sandbox time, in the console's format


def test_the_page_is_protected_and_its_scripts_carry_the_nonce(sb):
    with sb.client() as browser:
        page = browser.get("/")
    csp = page.headers["content-security-policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    assert '<script src="/_console/console.js?v=' in page.text
    assert re.search(
        rf'<script src="/_console/console\.js[^"]*" nonce="{re.escape(nonce)}"', page.text
    )
    assert re.search(
        rf'<link rel="stylesheet" href="/_console/console\.css[^"]*" nonce="{re.escape(nonce)}"',
        page.text,
    )
    assert "connect-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert page.headers["x-frame-options"] == "DENY"
    # Only the console may call the sandbox from script; hosted pages keep connect-src none.
    with sb.client() as browser:
        hosted = browser.get("/zwitch/hosted/layer.js")
    if "content-security-policy" in hosted.headers:
        assert "connect-src" not in hosted.headers["content-security-policy"]


@pytest.mark.parametrize(
    "name, kind", [("console.js", "text/javascript"), ("console.css", "text/css")]
)
def test_assets_are_served_with_their_type_and_revalidated(sb, name, kind):
    with sb.client() as browser:
        asset = browser.get(f"/_console/{name}")
        assert asset.status_code == 200 and asset.headers["content-type"].startswith(kind)
        assert "no-cache" in asset.headers.get(
            "cache-control", ""
        ) or "max-age=0" in asset.headers.get("cache-control", "")
        again = browser.get(f"/_console/{name}", headers={"If-None-Match": asset.headers["etag"]})
        assert again.status_code == 304


def test_only_the_consoles_own_assets_are_served(sb):
    with sb.client() as browser:
        for path in ("/_console/index.html", "/_console/../pages.py", "/_console/nope.js"):
            assert browser.get(path).status_code == 404, path


def test_the_script_never_writes_markup_or_runs_strings():
    # Comments may name what the code avoids; the code itself may not use it.
    source = re.sub(r"/\*.*?\*/|//[^\n]*", "", (STATIC / "console.js").read_text(), flags=re.S)
    for forbidden in (
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
        "new Function",
        'setAttribute("style"',
        ".style.",
    ):
        assert forbidden not in source, forbidden
    # No inline handlers or styles in the page either (the policy would refuse them).
    page = (STATIC / "index.html").read_text()
    assert not re.search(r"\son[a-z]+=", page) and " style=" not in page and "<style" not in page
