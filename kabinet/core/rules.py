"""Pure rules for organisation requisites: INN, KPP, OGRN, BIC and bank accounts.

Each `validate_*` function takes the text a person typed, returns it cleaned (spaces removed) and
raises `RequisiteError` with a message that says what to fix. An empty value is allowed (requisites
are optional until the organisation fills them in); callers decide whether a field is required.
"""

import re

from django.utils.translation import gettext as _


class RequisiteError(ValueError):
    """A requisite is malformed; the message is shown to the person as is."""


def _clean(value) -> str:
    return re.sub(r"[\s\-]", "", str(value or ""))


def _digits_only(value: str, message: str) -> None:
    if not value.isdigit():
        raise RequisiteError(message)


def _weighted(digits: str, weights: list[int]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False))


_INN10_WEIGHTS = [2, 4, 10, 3, 5, 9, 4, 6, 8]
_INN12_WEIGHTS_11 = [7, 2, 4, 10, 3, 5, 9, 4, 6, 8]
_INN12_WEIGHTS_12 = [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8]


def inn_checksum_ok(inn: str) -> bool:
    """The check digits of a 10-digit (legal entity) or 12-digit (individual) INN."""
    if not inn.isdigit():
        return False
    if len(inn) == 10:
        return _weighted(inn, _INN10_WEIGHTS) % 11 % 10 == int(inn[9])
    if len(inn) == 12:
        return (
            _weighted(inn, _INN12_WEIGHTS_11) % 11 % 10 == int(inn[10])
            and _weighted(inn, _INN12_WEIGHTS_12) % 11 % 10 == int(inn[11])
        )
    return False


def validate_inn(value) -> str:
    inn = _clean(value)
    if not inn:
        return ""
    if not inn.isdigit() or len(inn) not in (10, 12):
        raise RequisiteError(
            _("The INN must be 10 digits for an organisation or 12 digits for an individual entrepreneur.")
        )
    if not inn_checksum_ok(inn):
        raise RequisiteError(_("The INN check digits do not match. Check the number for typos."))
    return inn


def validate_kpp(value) -> str:
    """KPP: 4 digits (tax office), 2 digits or capital Latin letters (reason), 3 digits."""
    kpp = _clean(value).upper()
    if not kpp:
        return ""
    if not re.fullmatch(r"\d{4}[\dA-Z]{2}\d{3}", kpp):
        raise RequisiteError(_("The KPP must be 9 characters: digits (the 5th and 6th may be Latin letters)."))
    return kpp


def ogrn_checksum_ok(ogrn: str) -> bool:
    """OGRN (13 digits): first 12 mod 11, last digit; OGRNIP (15 digits): first 14 mod 13."""
    if not ogrn.isdigit():
        return False
    if len(ogrn) == 13:
        return int(ogrn[:12]) % 11 % 10 == int(ogrn[12])
    if len(ogrn) == 15:
        return int(ogrn[:14]) % 13 % 10 == int(ogrn[14])
    return False


def validate_ogrn(value) -> str:
    ogrn = _clean(value)
    if not ogrn:
        return ""
    if not ogrn.isdigit() or len(ogrn) not in (13, 15):
        raise RequisiteError(
            _("The OGRN must be 13 digits for an organisation or 15 digits (OGRNIP) for an individual entrepreneur.")
        )
    if not ogrn_checksum_ok(ogrn):
        raise RequisiteError(_("The OGRN check digit does not match. Check the number for typos."))
    return ogrn


def validate_bic(value) -> str:
    bic = _clean(value)
    if not bic:
        return ""
    if not bic.isdigit() or len(bic) != 9:
        raise RequisiteError(_("The BIC must be 9 digits."))
    return bic


_ACCOUNT_WEIGHTS = [7, 1, 3] * 8


def account_key_ok(account: str, bic: str, *, correspondent: bool = False) -> bool:
    """The Bank of Russia control key of a 20-digit account against the bank's BIC.

    A settlement account is checked with the last three digits of the BIC (or "0" and the 5th–6th
    digits for accounts held at a Bank of Russia cash settlement centre, BIC ending 000–002); a
    correspondent account always with "0" and the 5th–6th digits.
    """
    if not (account.isdigit() and len(account) == 20 and bic.isdigit() and len(bic) == 9):
        return False
    prefix = "0" + bic[4:6] if correspondent or bic[-3:] in ("000", "001", "002") else bic[-3:]
    return _weighted(prefix + account, _ACCOUNT_WEIGHTS) % 10 == 0


def _validate_account(value, bic, *, correspondent: bool) -> str:
    account = _clean(value)
    if not account:
        return ""
    if not account.isdigit() or len(account) != 20:
        raise RequisiteError(_("A bank account number must be 20 digits."))
    bic = _clean(bic)
    if bic.isdigit() and len(bic) == 9 and not account_key_ok(account, bic, correspondent=correspondent):
        raise RequisiteError(_("The account number does not match the bank's BIC. Check both for typos."))
    return account


def validate_settlement_account(value, bic: str = "") -> str:
    """A settlement account (расчётный счёт); checked against `bic` when one is given."""
    return _validate_account(value, bic, correspondent=False)


def validate_correspondent_account(value, bic: str = "") -> str:
    """The bank's correspondent account (корр. счёт): starts with 30101, checked against `bic`."""
    account = _clean(value)
    if account.isdigit() and len(account) == 20 and not account.startswith("30101"):
        raise RequisiteError(_("A correspondent account starts with 30101."))
    return _validate_account(account, bic, correspondent=True)
