"""ZazPay form signatures (md5 of secret + "k=v&..." in posted order) and IPN signing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sandbox.providers.zazpay import signature

SECRET = "zazpay_test_secret"  # DESIGN.md, merchant 9418


def test_the_seeds_example_string_signs_to_a_known_digest():
    fields = [("currency_code", "USD"), ("item_name", "purchase"), ("amount", "10.00")]
    assert signature.signed_string(fields) == "currency_code=USD&item_name=purchase&amount=10.00"
    # printf '%s' 'zazpay_test_secretcurrency_code=USD&item_name=purchase&amount=10.00' | md5sum
    assert signature.sign(SECRET, fields) == "e992aedd94ae9f9811ce02dc7f106dc3"


def test_values_are_signed_decoded_from_the_form_in_posted_order():
    body = (
        b"user_handle=123456&credit_card_type=visa&credit_card_expire=2016%2F10"
        b"&x-user_id=96+722&email=a%2Bb%40example.com"
        b"&signature=9790ABAD28BADD9B86DBE59E3794138D"
    )
    fields = signature.form_fields(body)
    assert signature.verify(SECRET, fields) is True
    reordered = [fields[1], fields[0], *fields[2:]]
    assert signature.verify(SECRET, reordered) is False


def test_signature_is_left_out_wherever_it_is_posted():
    fields = {"signature": "x", "amount": "10.00"}
    assert signature.signed_string(fields) == "amount=10.00"


def test_no_signature_posted_is_not_checked_and_a_wrong_one_fails():
    assert signature.verify(SECRET, {"amount": "10.00"}) is None
    good = signature.sign(SECRET, {"amount": "10.00"})
    assert signature.verify(SECRET, {"amount": "10.00", "signature": good}) is True
    assert signature.verify(SECRET, {"amount": "10.01", "signature": good}) is False
    assert signature.verify("other_secret", {"amount": "10.00", "signature": good}) is False


def test_a_repeated_field_counts_once_at_its_first_position_with_its_last_value():
    # The seed's vault example posts email twice.
    fields = [("email", "a@x.com"), ("city", "Chennai"), ("email", "b@x.com")]
    assert signature.signed_string(fields) == "email=b@x.com&city=Chennai"


def test_non_string_values_are_written_as_php_would():
    assert signature.signed_string({"a": 10, "b": Decimal("1.50"), "c": True, "d": None}) == (
        "a=10&b=1.50&c=1&d="
    )
    with pytest.raises(TypeError):
        signature.signed_string({"amount": 10.5})


def test_an_ipn_is_signed_over_its_fields_and_verifies_after_encoding():
    fields = {
        "id": "8536",
        "status": "Captured",
        "error_code": "0",
        "paykey": "3655020e-5a13-4378-bfb3-731a115xd317",
        "gateway_id": "1",
        "amount": "49.99",
        "buyer_address": "First Street & Co",
    }
    signed = signature.signed_ipn(SECRET, fields)
    assert signed[-1][0] == "signature" and [k for k, _ in signed[:-1]] == list(fields)
    body = signature.encode_ipn(SECRET, fields)
    assert b"First+Street+%26+Co" in body
    assert signature.verify_ipn(SECRET, body)
    assert not signature.verify_ipn(SECRET, body.replace(b"49.99", b"49.90"))
    assert not signature.verify_ipn("zazpay_test_secret_2", body)
