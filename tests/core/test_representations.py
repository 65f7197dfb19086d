"""Path-suffix representations (ZazPay's `.json` / `.xml`), independent of any provider."""

from __future__ import annotations

import asyncio
import json

from sandbox.representations import Representation, reencoding, strip_suffix

XML = Representation(".xml", "application/xml", lambda value: f"<r>{value['id']}</r>".encode())
JSON = Representation(".json", "application/json")


def _documented(path):
    return path == "/p/api/v1/payments"


def test_a_known_suffix_is_stripped_before_routing():
    scope, chosen = strip_suffix({"path": "/p/api/v1/payments.xml"}, (JSON, XML), _documented)
    assert scope["path"] == "/p/api/v1/payments" and chosen is XML
    scope, chosen = strip_suffix({"path": "/p/api/v1/payments"}, (JSON, XML), _documented)
    assert scope["path"] == "/p/api/v1/payments" and chosen is None


def test_a_suffix_stays_when_the_stripped_path_is_no_operation():
    scope, chosen = strip_suffix({"path": "/p/openapi.json"}, (JSON, XML), _documented)
    assert scope["path"] == "/p/openapi.json" and chosen is None


def _run(representation, content_type, body):
    sent = []

    async def send(message):
        sent.append(message)

    async def respond():
        target = reencoding(send, representation)
        await target(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", content_type),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await target({"type": "http.response.body", "body": body[:3], "more_body": True})
        await target({"type": "http.response.body", "body": body[3:]})

    asyncio.run(respond())
    return sent


def test_json_answers_are_reencoded_with_fixed_headers():
    sent = _run(XML, b"application/json", json.dumps({"id": "pay_1"}).encode())
    headers = dict(sent[0]["headers"])
    assert sent[1]["body"] == b"<r>pay_1</r>"
    assert headers[b"content-type"] == b"application/xml"
    assert headers[b"content-length"] == b"12"


def test_non_json_answers_and_json_suffix_pass_through():
    assert _run(XML, b"text/html", b"<p>hi</p>")[1]["body"] == b"<p>hi</p>"
    assert _run(JSON, b"application/json", b'{"a": 1}')[1]["body"] == b'{"a'
