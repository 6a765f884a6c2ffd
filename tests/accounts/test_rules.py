from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kabinet.accounts import rules
from kabinet.core.money import add_months, format_money, parse_period, to_money


@pytest.mark.parametrize(
    "text",
    ["+7 912 345-67-89", "8 (912) 345-67-89", "89123456789", "+79123456789", "7 912 345 67 89"],
)
def test_phones_in_common_formats_normalise_to_e164(text):
    assert rules.normalize_phone(text) == "+79123456789"


@pytest.mark.parametrize("text", ["", "abc", "12345", "+7 000", "8 (000) 000-00-00"])
def test_invalid_phones_are_none(text):
    assert rules.normalize_phone(text) is None


def test_mask_phone_keeps_only_the_last_digits():
    assert rules.mask_phone("+79123456789") == "+7 *** ***-67-89"


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("Alice@Example.COM ", "email", "alice@example.com"),
        ("8 912 345-67-89", "phone", "+79123456789"),
        ("+79123456789", "phone", "+79123456789"),
        ("1000200", "account", "1000200"),
        ("12-345", "account", "12-345"),
    ],
)
def test_classify_identifier(text, kind, value):
    ident = rules.classify_identifier(text)
    assert (ident.kind, ident.value) == (kind, value)


@pytest.mark.parametrize("text", ["", "   ", "address:12", "<script>"])
def test_unusable_identifiers_are_none(text):
    assert rules.classify_identifier(text) is None


@given(st.text(max_size=40))
def test_classify_identifier_never_crashes(text):
    ident = rules.classify_identifier(text)
    assert ident is None or ident.kind in {"email", "phone", "account"}


def test_codes_are_digits_and_hash_is_keyed():
    code = rules.generate_code()
    assert len(code) == 6 and code.isdigit()
    digest = rules.hash_code(code, "secret-a")
    assert rules.codes_match(code, digest, "secret-a")
    assert not rules.codes_match(code, digest, "secret-b")
    assert code not in digest


def test_money_rounds_half_up_and_refuses_floats():
    assert to_money("2.345") == Decimal("2.35")
    assert to_money(Decimal("-2.345")) == Decimal("-2.35")
    with pytest.raises(TypeError):
        to_money(2.345)


def test_format_money_uses_thin_spaces_and_comma():
    assert format_money(Decimal("12345.67")) == "12\u202f345,67\u00a0₽"
    assert format_money(Decimal("-408")) == "−408,00\u00a0₽"
    assert format_money(Decimal("5"), currency="") == "5,00"


def test_periods():
    assert add_months(parse_period("2026-11"), 2).isoformat() == "2027-01-01"
    assert add_months(parse_period("2026-01"), -1).isoformat() == "2025-12-01"
    with pytest.raises(ValueError, match="YYYY-MM"):
        parse_period("11.2026")
