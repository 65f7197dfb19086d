"""Input that used to answer 500: JSON nested 10,000 deep on every JSON endpoint, lone
UTF-16 surrogates in references, ids and remarks, and a clock moved past what a date can
show. Each is a 4xx in the API's own error shape (the conformance hook checks the shape
against the spec), and nothing accepted can break a page later."""

from __future__ import annotations

import re

import pytest
import yaml

from sandbox.resources import specs_dir
from tests.providers.zwitch.helpers import ACCOUNT, COLLECT_PATH, DOC_TOKEN_BODY

DEEP = b"[" * 10_000 + b"]" * 10_000
DEEP_OBJECT = b'{"a":' * 10_000 + b"1" + b"}" * 10_000


def _examples(spec: dict, item: dict, operation: dict) -> dict[str, str]:
    """The documented example of each path parameter (a valid value to get past it)."""
    found = {}
    for param in [*item.get("parameters", []), *operation.get("parameters", [])]:
        if "$ref" in param:
            param = spec["components"]["parameters"][param["$ref"].rsplit("/", 1)[1]]
        example = param.get("example", param.get("schema", {}).get("example"))
        if param.get("in") == "path" and example is not None:
            found[param["name"]] = str(example)
    return found


def _json_operations() -> list[tuple[str, str, str]]:
    """(API prefix, method, concrete path) of every operation taking a JSON body, in every
    spec there is: a new provider is covered without touching this test."""
    found = []
    for path in sorted(specs_dir().glob("*.yaml")):
        spec = yaml.safe_load(path.read_text())
        prefix = "_sandbox" if path.stem == "sandbox" else path.stem
        for template, item in spec["paths"].items():
            for method, operation in item.items():
                body = operation.get("requestBody") if isinstance(operation, dict) else None
                if body is None:
                    continue
                if "$ref" in body:
                    body = spec["components"]["requestBodies"][body["$ref"].rsplit("/", 1)[1]]
                if any("json" in media for media in body.get("content", {})):
                    examples = _examples(spec, item, operation)
                    concrete = re.sub(
                        r"\{([^}]+)\}", lambda m: examples.get(m.group(1), m.group(0)), template
                    )
                    found.append((prefix, method.upper(), concrete))
    return found


def _concrete(template: str, tenant: str) -> str:
    values = {"provider": "zwitch", "tenant": tenant, "account_id": ACCOUNT}
    return re.sub(r"\{([^}]+)\}", lambda m: values.get(m.group(1), "deep_1"), template)


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT], ids=["arrays", "objects"])
@pytest.mark.parametrize("prefix, method, template", _json_operations())
def test_deeply_nested_json_is_a_400_everywhere(
    sb, client_for, control, conformance, prefix, method, template, body
):
    headers = {"Content-Type": "application/json"}
    tenant = "t"
    if prefix != "_sandbox":
        # The provider's own client auth: the credentials each operation wants.
        client = sb.client_for(prefix, event_hooks={"response": [conformance]})
        tenant = sb.runtime.tenants[prefix][0].id
    else:
        client = client_for(prefix)
        if "tenant" in template:
            tenant = control.get("/credentials").json()["zwitch"][0]["id"]
    response = client.request(method, _concrete(template, tenant), content=body, headers=headers)
    assert response.status_code == 400, response.text[:300]
    # Every provider words it alike, in its own error shape.
    assert "nested more than 64 levels deep" in response.text


def test_the_nesting_limit_leaves_ordinary_bodies_alone(zwitch):
    nested = {"k": "v"}
    for _ in range(10):
        nested = {"k": nested}
    brackets = {"amount": 5, "remark": "[[[[{{{{" * 12, "metadata": {"note": "]]]]" * 30}}
    assert zwitch.post(COLLECT_PATH, json=brackets).status_code == 200
    # Deep metadata is refused by the schema, not by a 500 or the depth limit.
    refused = zwitch.post(COLLECT_PATH, json={"amount": 5, "metadata": {"deep": nested}})
    assert refused.status_code == 400


def _raw(client, path: str, text: str):
    return client.post(path, content=text.encode(), headers={"Content-Type": "application/json"})


@pytest.mark.parametrize(
    "path, text",
    [
        (COLLECT_PATH, '{"amount": 5, "merchant_reference_id": "ref_\\ud800"}'),
        (COLLECT_PATH, '{"amount": 5, "remark": "lone \\udfff low"}'),
        (COLLECT_PATH, '{"amount": 5, "metadata": {"note": "\\uD83D"}}'),
        (
            "/v1/pg/payment_token",
            '{"amount": 10, "currency": "INR", "mtx": "\\ud800", '
            '"contact_number": "9876543210", "email_id": "a@example.com"}',
        ),
    ],
)
def test_lone_surrogates_are_a_400(sb, zwitch, control, path, text):
    refused = _raw(zwitch, path, text)
    assert refused.status_code == 400, refused.text
    error = refused.json()["error"]
    assert error["code"] == "validation_error" and "lone UTF-16 surrogate" in error["message"]
    assert zwitch.get(f"/hosted/account/{ACCOUNT}").status_code == 200


def test_a_surrogate_pair_is_fine_and_the_page_shows_it(sb, zwitch):
    created = _raw(zwitch, COLLECT_PATH, '{"amount": 5, "remark": "thanks \\ud83d\\ude00"}')
    assert created.status_code == 200 and created.json()["remark"] == "thanks \U0001f600"
    page = zwitch.get(f"{sb.url}/zwitch/hosted/account/{ACCOUNT}")
    assert page.status_code == 200


def test_a_surrogate_in_a_path_id_is_a_404(zwitch):
    missing = zwitch.get("/v1/payments/pay_%ED%A0%80")
    assert missing.status_code == 404


def test_a_surrogate_in_a_control_body_is_a_400(control):
    refused = _raw(
        control,
        "/simulate",
        '{"provider": "zwitch", "resource_id": "\\ud800", "event": "complete"}',
    )
    assert refused.status_code == 400 and "surrogate" in refused.json()["error"]["message"]


def test_a_surrogate_in_a_scenario_is_a_clear_scenario_error(control):
    text = (
        "name: surrogate\nprovider: zwitch\nfixtures:\n  - kind: upi_collect\n"
        '    body: {account_id: acc_1234567890, amount: 5, remark: "bad \\ud800"}\n'
    )
    refused = control.post(
        "/scenarios", content=text.encode(), headers={"Content-Type": "application/yaml"}
    )
    assert refused.status_code == 400
    assert "lone UTF-16 surrogate" in refused.json()["error"]["message"]


TEN_YEARS = 315_360_000


def test_the_clock_cannot_pass_year_9999_and_nothing_breaks_at_the_end(sb, control, zwitch):
    refused = None
    for _ in range(1_000):  # 2024 + 1,000 × 10 years is far past 9999
        moved = control.post("/clock/advance", json={"seconds": TEN_YEARS})
        if moved.status_code != 200:
            refused = moved
            break
    assert refused is not None and refused.status_code == 400
    error = refused.json()["error"]
    assert error["code"] == "validation_error"
    assert "cannot move past 9999-01-01T00:00:00Z" in error["message"]
    now = control.get("/clock").json()["now"]
    assert now.startswith("99")
    # Near the end of time, every page and create still answers.
    assert zwitch.post("/v1/pg/payment_token", json=DOC_TOKEN_BODY).status_code == 200
    created = zwitch.post(COLLECT_PATH, json={"amount": 5, "expiry_in_minutes": 1440})
    assert created.status_code == 200
    assert zwitch.get(f"{sb.url}/").status_code == 200
    assert zwitch.get(f"{sb.url}/zwitch/hosted/account/{ACCOUNT}").status_code == 200
    assert zwitch.get("/v1/payments", params={"limit": 5}).status_code == 200


def test_a_start_past_the_end_of_time_is_refused():
    from sandbox.clock import Clock

    with pytest.raises(ValueError, match="must start between 1970 and 9999"):
        Clock(start_ms=253_402_300_799_000)
