"""Every provider's spec and Swagger UI stay reachable, also for a provider whose path-suffix
representations include `.json` (a suffix is stripped only when what remains is an operation)."""

from __future__ import annotations

import httpx
import pytest

from sandbox.providers import REGISTRY
from tests.providers.formpay import NAME as FORMPAY
from tests.providers.formpay import sandbox_pair


@pytest.fixture(scope="module")
def sandboxes():
    with sandbox_pair() as pair:
        yield pair


@pytest.mark.parametrize("name", [*REGISTRY, FORMPAY, "_sandbox"])
def test_the_spec_and_swagger_ui_are_served(sandboxes, name):
    for sb in sandboxes:
        spec = httpx.get(f"{sb.url}/{name}/openapi.json")
        assert spec.status_code == 200, spec.text[:200]
        assert spec.headers["content-type"].startswith("application/json")
        assert spec.json()["openapi"].startswith("3.")
        ui = httpx.get(f"{sb.url}/{name}/ui/")
        assert ui.status_code == 200
        assert "swagger-ui" in ui.text
        assert f"/{name}/openapi.json" in ui.text or "openapi.json" in ui.text


def test_a_suffix_still_selects_a_representation_of_an_operation(sandboxes):
    for sb in sandboxes:
        plain = httpx.get(f"{sb.url}/formpay/v1/ping?n=3")
        as_json = httpx.get(f"{sb.url}/formpay/v1/ping.json?n=3")
        as_xml = httpx.get(f"{sb.url}/formpay/v1/ping.xml?n=3")
        assert plain.json() == as_json.json() == {"n": 3, "word": None}
        assert as_xml.status_code == 200
        assert as_xml.headers["content-type"] == "application/xml"
        assert as_xml.content == b"<r>2</r>"
        missing = httpx.get(f"{sb.url}/formpay/v1/nothing.json")
        assert missing.status_code == 404
