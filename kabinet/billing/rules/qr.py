"""The payment QR of ГОСТ Р 56042-2014 (DOMAIN.md §5): build the payload a banking app scans, and read
one back (a scanned bill).

The payload is `ST0001` + the encoding flag (`2` = UTF-8) + a separator, then `Key=Value` fields
joined by the separator. The five mandatory fields come first and in the standard's order, because
some banking apps read them by position.
"""

from decimal import Decimal

from kabinet.core.money import to_money

HEADER = "ST0001"
UTF8 = "2"
SEPARATORS = "|#;:^~"  # `|` unless a value contains it

MANDATORY = ("Name", "PersonalAcc", "BankName", "BIC", "CorrespAcc")
# Limits of the standard: (max length, exact length or None, digits only).
LIMITS = {
    "Name": (160, None, False),
    "PersonalAcc": (20, 20, True),
    "BankName": (45, None, False),
    "BIC": (9, 9, True),
    "CorrespAcc": (20, None, True),
    "Sum": (18, None, True),
    "Purpose": (210, None, False),
    "PayeeINN": (12, None, True),
    "KPP": (9, None, True),
    "PersAcc": (30, None, False),
    "PaymPeriod": (6, 6, True),
    "AddAmount": (18, None, True),
    "TechCode": (2, 2, True),
}


class QrError(ValueError):
    """The fields cannot make a valid payload (a mandatory field missing or a value out of bounds)."""


def kopecks(amount: Decimal) -> str:
    """`Sum` and `AddAmount` are whole kopecks, digits only: 5234.10 ₽ → `523410`."""
    value = to_money(amount)
    if value < 0:
        raise QrError("A payment amount cannot be negative.")
    return str(int(value * 100))


def _check(key: str, value: str) -> None:
    if key not in LIMITS:
        return
    longest, exact, digits = LIMITS[key]
    if exact is not None and len(value) != exact:
        raise QrError(f"{key} must be exactly {exact} characters, got {value!r}.")
    if len(value) > longest:
        raise QrError(f"{key} must be at most {longest} characters, got {len(value)}.")
    if digits and not value.isdigit():
        raise QrError(f"{key} must be digits only, got {value!r}.")


def build_payload(fields: dict[str, str]) -> str:
    """The payload for `fields` (values as text; empty optional fields are left out).

    Raises QrError when a mandatory field is missing or a value breaks the standard's limits.
    """
    clean = {key: " ".join(str(value).split()) for key, value in fields.items() if value not in (None, "")}
    missing = [key for key in MANDATORY if not clean.get(key)]
    if missing:
        raise QrError(f"Mandatory fields missing: {', '.join(missing)}.")
    for key, value in clean.items():
        _check(key, value)
    text = "".join(clean.values())
    separator = next((char for char in SEPARATORS if char not in text), None)
    if separator is None:
        raise QrError("Every separator character occurs in the values.")
    ordered = list(MANDATORY) + [key for key in clean if key not in MANDATORY]
    return HEADER + UTF8 + separator + separator.join(f"{key}={clean[key]}" for key in ordered)


def parse_payload(payload: str) -> dict[str, str]:
    """The fields of a payload, keys in the standard's spelling where known (read case-insensitively)."""
    payload = payload.strip().lstrip("\ufeff")
    if not payload.upper().startswith(HEADER) or len(payload) < len(HEADER) + 2:
        raise QrError("Not a ГОСТ Р 56042 payload.")
    separator = payload[len(HEADER) + 1]
    known = {key.lower(): key for key in (*LIMITS, "LastName", "FirstName", "MiddleName", "PayerAddress")}
    fields = {}
    for part in payload[len(HEADER) + 2:].split(separator):
        key, sep, value = part.partition("=")
        if not sep:
            continue
        fields[known.get(key.strip().lower(), key.strip())] = value
    return fields
