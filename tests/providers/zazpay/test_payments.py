"""Card payment lifecycles, refused transitions and the outcome triggers (DESIGN.md)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.providers.zazpay.helpers import (
    CARD,
    LIMITED,
    MANUAL,
    PAYMENT,
    act,
    bits,
    details,
    pay,
    snapshot,
)


def _steps(client, payment_id):
    return [(h["action"], h["status"]) for h in details(client, payment_id)["payment_histories"]]


def test_auth_then_auth_capture_then_refund(zazpay, sb):
    payment = pay(zazpay, f"{CARD}/auth")
    assert payment["status"] == "Authorized" and payment["error"] == {"code": 0, "message": []}
    sb.advance(60)
    captured = act(zazpay, payment, "auth-capture")
    assert captured.status_code == 200, captured.text
    assert captured.json()["status"] == "Captured"
    sb.advance(60)
    refunded = act(zazpay, payment, "refund")
    assert refunded.status_code == 200 and refunded.json()["status"] == "Refunded"
    assert "paykey" not in refunded.json()
    read = details(zazpay, payment["id"])
    assert read["status"] == "Refunded" and read["action"] == "Refund"
    stamps = [h["created"] for h in read["payment_histories"]]
    assert _steps(zazpay, payment["id"]) == [
        ("Auth", "Authorized"),
        ("Auth-Capture", "Captured"),
        ("Refund", "Refunded"),
    ]
    assert stamps[0] < stamps[1] < stamps[2]  # each step at its own sandbox instant


def test_auth_then_void(zazpay):
    payment = pay(zazpay, f"{CARD}/auth")
    voided = act(zazpay, payment, "void")
    assert voided.status_code == 200 and voided.json()["status"] == "Voided"
    assert _steps(zazpay, payment["id"]) == [("Auth", "Authorized"), ("Void", "Voided")]


def test_direct_capture_then_refund(zazpay):
    payment = pay(zazpay, f"{CARD}/capture")
    assert payment["status"] == "Captured"
    assert act(zazpay, payment, "refund").json()["status"] == "Refunded"
    assert _steps(zazpay, payment["id"]) == [("Capture", "Captured"), ("Refund", "Refunded")]


def test_refused_transitions_answer_the_documented_bits(zazpay, sb):
    captured = pay(zazpay, f"{CARD}/capture")
    response = act(zazpay, captured, "void")  # void after capture
    assert (response.status_code, bits(response)) == (409, [20])
    assert response.json()["error"]["message"] == ["The payment is already processed."]
    assert act(zazpay, captured, "refund").status_code == 200
    response = act(zazpay, captured, "refund")  # a second refund
    assert (response.status_code, bits(response)) == (409, [20])

    voided = pay(zazpay, f"{CARD}/auth")
    assert act(zazpay, voided, "void").status_code == 200
    response = act(zazpay, voided, "auth-capture")  # capture after void
    assert (response.status_code, bits(response)) == (409, [20])

    held = pay(zazpay, f"{CARD}/auth")
    before = snapshot(sb)
    response = act(zazpay, held, "refund")  # refund of an uncaptured payment
    assert (response.status_code, bits(response)) == (409, [13])
    response = act(zazpay, held, "auth-capture", paykey="not-the-paykey")
    assert (response.status_code, bits(response)) == (400, [41])
    assert response.json()["error"]["message"] == ["Invalid user input."]
    assert snapshot(sb) == before


def test_an_action_the_gateway_does_not_support_is_bit_28(zazpay, sb):
    before = snapshot(sb)
    response = zazpay.post(f"{LIMITED}/auth", data=PAYMENT)
    assert (response.status_code, bits(response)) == (400, [28])
    assert response.json()["error"]["message"] == [
        "Posted action is not support by the posted gateway."
    ]
    assert snapshot(sb) == before
    assert pay(zazpay, f"{LIMITED}/capture")["status"] == "Captured"


def test_the_declining_card_is_a_gateway_error_kept_as_error(zazpay):
    response = zazpay.post(
        f"{CARD}/capture", data={**PAYMENT, "credit_card_number": "4000000000000002"}
    )
    assert response.status_code == 402
    assert response.json()["status"] == "Error"
    assert response.json()["error"] == {"code": 2**24, "message": ["Gateway Error."]}
    assert details(zazpay, response.json()["id"])["status"] == "Error"


def test_a_vault_key_replaces_the_card_and_a_bad_one_is_bit_47(zazpay):
    vaults = zazpay.get("/merchants/9418/websites/123456/vaults").json()["vaults"]
    no_card = {field: None for field in PAYMENT if field.startswith("credit_card")}
    paid = pay(zazpay, f"{CARD}/capture", vault_key=vaults[0]["vault_key"], **no_card)
    assert paid["status"] == "Captured"
    body = {k: v for k, v in {**PAYMENT, **no_card, "vault_key": "nope"}.items() if v}
    response = zazpay.post(f"{CARD}/capture", data=body)
    assert (response.status_code, bits(response)) == (400, [47])
    body.pop("vault_key")
    response = zazpay.post(f"{CARD}/capture", data=body)
    assert (response.status_code, bits(response)) == (400, [46])


def test_manual_gateways_need_a_payment_note(zazpay):
    no_card = {field: None for field in PAYMENT if field.startswith("credit_card")}
    body = {k: v for k, v in {**PAYMENT, **no_card, "currency_code": "INR"}.items() if v}
    response = zazpay.post(f"{MANUAL}/capture", data=body)
    assert (response.status_code, bits(response)) == (400, [21])
    assert (
        pay(zazpay, f"{MANUAL}/capture", payment_note="Cheque 123", currency_code="INR", **no_card)[
            "status"
        ]
        == "Captured"
    )


def test_several_problems_set_several_bits_with_every_message(zazpay, sb):
    before = snapshot(sb)
    body = {
        **PAYMENT,
        "currency_code": "XXX",
        "buyer_country": "ZZ",
        "cancel_url": "https://evil.test/c",
    }
    response = zazpay.post(f"{CARD}/auth", data=body)
    assert (response.status_code, bits(response)) == (400, [12, 15, 45])
    assert response.json()["error"]["message"] == [
        "Posted invalid currency.",
        "Posted cancel URL is mismatch with posted Website ID.",
        "Invalid ISO2 country code.",
    ]
    missing = {k: v for k, v in PAYMENT.items() if k not in ("amount", "item_name")}
    response = zazpay.post(f"{CARD}/auth", data=missing)
    assert (response.status_code, bits(response)) == (400, [3, 6])
    assert snapshot(sb) == before


def test_concurrent_captures_of_one_authorization_exactly_one_wins(zazpay):
    payment = pay(zazpay, f"{CARD}/auth")
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda _: act(zazpay, payment, "auth-capture"), range(6)))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200] + [409] * 5
    assert all(bits(a) == [20] for a in answers if a.status_code == 409)
    assert _steps(zazpay, payment["id"]) == [("Auth", "Authorized"), ("Auth-Capture", "Captured")]


def test_json_bodies_and_the_currency_spelling_are_accepted(zazpay):
    body = {k: v for k, v in PAYMENT.items() if k != "currency_code"}
    response = zazpay.post(f"{CARD}/auth.json", json={**body, "currency": "USD"})
    assert response.status_code == 200 and response.json()["status"] == "Authorized"
    response = zazpay.post(f"{CARD}/auth", json=body)
    assert (response.status_code, bits(response)) == (400, [4])
