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


def test_xml_carries_the_same_data():
    from xml.etree import ElementTree

    from sandbox.representations import to_xml

    body = to_xml(
        {
            "id": "8536",
            "amount": 100.5,
            "ok": True,
            "note": None,
            "x-vars": {},
            "z-vars": {"z-category": "Dress & <Co>"},
            "error": {"code": -4, "message": ["Initiated without error"]},
            "Links": [{"self": "/a?page=1"}, {"next": ""}],
            "payments": [{"id": 1}, {"id": 2}],
            "9 bad key": "\x00\ud800x",
            "empty": [],
        }
    )
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<response>')
    root = ElementTree.fromstring(body)
    assert root.tag == "response"
    assert root.findtext("id") == "8536" and root.findtext("amount") == "100.5"
    assert root.findtext("ok") == "true" and root.find("note").text is None
    assert root.find("x-vars") is not None and len(root.find("x-vars")) == 0
    assert root.findtext("z-vars/z-category") == "Dress & <Co>"
    assert root.findtext("error/code") == "-4"
    assert [m.text for m in root.findall("error/message")] == ["Initiated without error"]
    assert [p.findtext("id") for p in root.findall("payments")] == ["1", "2"]
    assert root.findtext("Links/self") == "/a?page=1"
    bad = root.find("item")
    assert bad.get("key") == "9 bad key" and bad.text == "\ufffd\ufffdx"
    assert root.find("empty").text is None


def test_xml_of_lists_and_scalars_at_the_top():
    from xml.etree import ElementTree

    from sandbox.representations import to_xml

    root = ElementTree.fromstring(to_xml([1, [2, 3], "a"]))
    assert [i.text for i in root.findall("item")] == ["1", None, "a"]
    assert [i.text for i in root.findall("item/item")] == ["2", "3"]
    assert ElementTree.fromstring(to_xml("plain")).text == "plain"


def test_the_shipped_xml_representation_reencodes_json_answers():
    from sandbox.representations import XML as SHIPPED

    sent = _run(SHIPPED, b"application/json", json.dumps({"error": {"code": 1}}).encode())
    assert sent[1]["body"].endswith(b"<response><error><code>1</code></error></response>")
    assert dict(sent[0]["headers"])[b"content-type"] == b"application/xml"


def test_a_suffix_after_the_query_is_read_like_one_on_the_path():
    # ZazPay's public PHP client: GET .../payments?website_id=123456.json
    def documented(path: str) -> bool:
        return path == "/z/payments"

    scope = {"path": "/z/payments", "query_string": b"website_id=123456.json"}
    stripped, chosen = strip_suffix(scope, (JSON, XML), documented)
    assert chosen is JSON and stripped["query_string"] == b"website_id=123456"
    assert stripped["path"] == "/z/payments"
    scope = {"path": "/z/payments.xml", "query_string": b"website_id=1.json"}
    stripped, chosen = strip_suffix(scope, (JSON, XML), documented)
    assert chosen is XML and stripped["query_string"] == b"website_id=1.json"
    assert (
        strip_suffix({"path": "/z/payments", "query_string": b"a=1"}, (JSON, XML), documented)[1]
        is None
    )
    # Not an operation (Swagger UI's files, say): the query keeps its suffix.
    undocumented = {"path": "/z/ui/x", "query_string": b"v=1.json"}
    assert strip_suffix(undocumented, (JSON, XML), documented)[1] is None
