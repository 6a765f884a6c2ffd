"""The ГОСТ Р 56042 payment QR payload (DOMAIN.md §5)."""

from decimal import Decimal

import pytest

from kabinet.billing.rules import qr

REQUISITES = {
    "Name": "ООО «УК Пример»", "PersonalAcc": "40702810900000012345", "BankName": "ПАО СБЕРБАНК",
    "BIC": "044525225", "CorrespAcc": "30101810400000000225",
}


def test_the_worked_example_of_domain_md():
    payload = qr.build_payload({
        **REQUISITES, "PayeeINN": "7701234567", "KPP": "770101001", "Sum": qr.kopecks(Decimal("5234.10")),
        "Purpose": "Оплата ЖКУ за 03.2026", "PersAcc": "1234567890", "PaymPeriod": "032026", "TechCode": "02",
    })
    assert payload == (
        "ST00012|Name=ООО «УК Пример»|PersonalAcc=40702810900000012345|BankName=ПАО СБЕРБАНК|BIC=044525225|"
        "CorrespAcc=30101810400000000225|PayeeINN=7701234567|KPP=770101001|Sum=523410|"
        "Purpose=Оплата ЖКУ за 03.2026|PersAcc=1234567890|PaymPeriod=032026|TechCode=02")


def test_mandatory_fields_come_first_in_the_standard_order_whatever_the_input_order():
    payload = qr.build_payload({"Sum": "100", **dict(reversed(list(REQUISITES.items())))})
    keys = [part.split("=")[0] for part in payload.split("|")[1:]]
    assert keys == ["Name", "PersonalAcc", "BankName", "BIC", "CorrespAcc", "Sum"]


@pytest.mark.parametrize(("amount", "text"), [("0.01", "1"), ("5234.1", "523410"), ("100", "10000"), ("0.005", "1")])
def test_sum_is_whole_kopecks(amount, text):
    assert qr.kopecks(Decimal(amount)) == text


def test_a_negative_sum_is_refused():
    with pytest.raises(qr.QrError):
        qr.kopecks(Decimal("-1"))


@pytest.mark.parametrize(("key", "value"), [
    ("PersonalAcc", "4070281090000001234"),  # 19 digits, must be 20
    ("BIC", "04452522"),
    ("BIC", "04452522X"),
    ("Name", "Я" * 161),
    ("BankName", "Б" * 46),
])
def test_values_out_of_the_standard_limits_are_refused(key, value):
    with pytest.raises(qr.QrError, match=key):
        qr.build_payload({**REQUISITES, key: value})


def test_a_missing_mandatory_field_is_named():
    with pytest.raises(qr.QrError, match="BIC"):
        qr.build_payload({**REQUISITES, "BIC": ""})


def test_another_separator_is_chosen_when_a_value_contains_the_pipe():
    payload = qr.build_payload({**REQUISITES, "Purpose": "Оплата | пени"})
    assert payload.startswith("ST00012#")
    assert qr.parse_payload(payload)["Purpose"] == "Оплата | пени"


def test_parse_round_trips_and_reads_keys_case_insensitively():
    fields = {**REQUISITES, "Sum": "523410", "PersAcc": "1000200"}
    assert qr.parse_payload(qr.build_payload(fields)) == fields
    scanned = "ST00012|name=ООО Ромашка|PERSONALACC=40702810900000012345|bankname=Банк|bic=044525225|correspacc=0|sum=100"
    parsed = qr.parse_payload(scanned)
    assert parsed["Name"] == "ООО Ромашка" and parsed["PersonalAcc"] == "40702810900000012345" and parsed["Sum"] == "100"


def test_parse_refuses_what_is_not_a_payment_qr():
    with pytest.raises(qr.QrError):
        qr.parse_payload("https://example.com")
