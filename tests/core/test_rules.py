"""Requisite validators: pure functions, no database."""

import pytest

from kabinet.core import rules
from kabinet.core.rules import RequisiteError


@pytest.fixture(autouse=True)
def _english():
    """Messages are matched in their English source; the Russian test below checks the catalogue."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.mark.parametrize("inn", ["7707083893", "500100732259", " 7707 083 893 ", ""])
def test_valid_inn(inn):
    assert rules.validate_inn(inn) == inn.replace(" ", "").strip()


@pytest.mark.parametrize("inn", ["770708389", "77070838931", "7707083894", "500100732258", "77070838a3"])
def test_invalid_inn(inn):
    with pytest.raises(RequisiteError):
        rules.validate_inn(inn)


def test_inn_messages_are_specific():
    with pytest.raises(RequisiteError, match="10 digits"):
        rules.validate_inn("123")
    with pytest.raises(RequisiteError, match="check digits"):
        rules.validate_inn("7707083894")


@pytest.mark.parametrize(("kpp", "expected"), [("773601001", "773601001"), ("7736ab001", "7736AB001"), ("", "")])
def test_valid_kpp(kpp, expected):
    assert rules.validate_kpp(kpp) == expected


@pytest.mark.parametrize("kpp", ["77360100", "7736010011", "A73601001", "77360100Z"])
def test_invalid_kpp(kpp):
    with pytest.raises(RequisiteError):
        rules.validate_kpp(kpp)


@pytest.mark.parametrize("ogrn", ["1027700132195", "304500116000157", ""])
def test_valid_ogrn(ogrn):
    assert rules.validate_ogrn(ogrn) == ogrn


@pytest.mark.parametrize("ogrn", ["102770013219", "1027700132194", "304500116000158", "30450011600015X"])
def test_invalid_ogrn(ogrn):
    with pytest.raises(RequisiteError):
        rules.validate_ogrn(ogrn)


def test_bic():
    assert rules.validate_bic("044525225") == "044525225"
    assert rules.validate_bic("") == ""
    for bad in ("04452522", "0445252251", "04452522X"):
        with pytest.raises(RequisiteError, match="9 digits"):
            rules.validate_bic(bad)


def test_settlement_account():
    assert rules.validate_settlement_account("40702810938000000001", "044525225") == "40702810938000000001"
    assert rules.validate_settlement_account("4070 2810 9380 0000 0001") == "40702810938000000001"
    assert rules.validate_settlement_account("40702810938000000002") == "40702810938000000002"  # no BIC: length only
    with pytest.raises(RequisiteError, match="20 digits"):
        rules.validate_settlement_account("4070281093800000000")
    with pytest.raises(RequisiteError, match="BIC"):
        rules.validate_settlement_account("40702810938000000002", "044525225")


def test_correspondent_account():
    assert rules.validate_correspondent_account("30101810400000000225", "044525225") == "30101810400000000225"
    with pytest.raises(RequisiteError, match="30101"):
        rules.validate_correspondent_account("40101810400000000225", "044525225")
    with pytest.raises(RequisiteError, match="BIC"):
        rules.validate_correspondent_account("30101810500000000225", "044525225")


def test_checksums_directly():
    assert rules.inn_checksum_ok("7707083893") and not rules.inn_checksum_ok("123")
    assert rules.ogrn_checksum_ok("1027700132195") and not rules.ogrn_checksum_ok("1")
    assert rules.account_key_ok("30101810400000000225", "044525225", correspondent=True)
    assert not rules.account_key_ok("short", "044525225")


def test_messages_are_russian_under_russian_locale():
    from django.utils import translation

    with translation.override("ru"), pytest.raises(RequisiteError, match="ИНН должен состоять"):
        rules.validate_inn("1")
