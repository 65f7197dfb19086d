"""What the malformed-request sweep (test_sweep.py) found, each pinned by a focused test:
request heads the HTTP server buffered whole, a trailing slash answered by a redirect, and
statuses the guard answers that a spec did not document."""

from __future__ import annotations

import http.client
import json
import socket

import pytest
import yaml

from sandbox.resources import specs_dir
from sandbox.server import head_cutoff

GUARD_STATUSES = {"413", "421", "431"}  # answered before routing, on every path


def _send(sb, raw: bytes) -> http.client.HTTPResponse:
    port = int(sb.url.rsplit(":", 1)[1])
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        sock.sendall(raw)
    except (BrokenPipeError, ConnectionResetError):
        pass
    response = http.client.HTTPResponse(sock)
    response.begin()
    response.body = response.read()
    sock.close()
    return response


def test_a_head_beyond_the_cutoff_is_cut_off_by_the_server_not_buffered(sb):
    # httptools (uvicorn's choice when installed) joined a 50 MB header in memory before the
    # sandbox's 431 could answer; the server now refuses it once the cut-off is passed.
    huge = b"h" * (head_cutoff(sb.config) * 4)
    response = _send(
        sb, b"GET /zwitch/v1/payments HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Huge: " + huge + b"\r\n\r\n"
    )
    assert response.status in (400, 431)
    assert response.getheader("content-type").startswith("text/plain")


def test_a_head_over_the_limit_but_under_the_cutoff_gets_the_providers_431(sb):
    big = b"h" * (sb.config.max_header_bytes + 1)
    response = _send(
        sb,
        b"GET /ztake/api/vendor/payments HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: "
        + big
        + b"\r\n\r\n",
    )
    assert response.status == 431
    assert response.getheader("content-type") == "application/json"
    assert json.loads(response.body)["code"] == "request_header_fields_too_large"


@pytest.mark.parametrize(
    "path, shape",
    [
        ("/zwitch/v1/payments/", b'{"error":{"code":"not_found"'),
        ("/ztake/api/vendor/payments/", b'{"success":false'),
        ("/_sandbox/clock/", b'{"error":{"code":"not_found"'),
    ],
)
def test_a_trailing_slash_is_a_404_in_the_apis_shape_not_a_redirect(sb, path, shape):
    response = _send(sb, f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    assert response.status == 404, response.getheaders()
    assert response.getheader("location") is None
    assert response.body.startswith(shape), response.body
    assert b"no trailing slash" in response.body


def test_swagger_ui_keeps_its_trailing_slash(sb):
    response = _send(sb, b"GET /zwitch/ui/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert response.status == 200


def _operations():
    for path in sorted(specs_dir().glob("*.yaml")):
        spec = yaml.safe_load(path.read_text())
        for template, item in spec["paths"].items():
            for method, operation in item.items():
                if isinstance(operation, dict) and "responses" in operation:
                    yield path.stem, method, template, operation


@pytest.mark.parametrize(
    "spec, method, template, operation",
    list(_operations()),
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_every_operation_documents_what_the_core_answers_for_it(spec, method, template, operation):
    documented = set(operation["responses"])
    if "4XX" in documented:
        return
    assert GUARD_STATUSES <= documented, f"{spec} {method} {template}: {sorted(documented)}"
    if operation.get("requestBody"):
        assert "415" in documented, f"{spec} {method} {template}: a body of another type"
