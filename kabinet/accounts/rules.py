"""Pure rules for identities: phone normalisation, what a login identifier is, confirmation codes."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass

import phonenumbers


def normalize_phone(text: str, region: str = "RU") -> str | None:
    """E.164 for a valid phone number (`8 (912) 345-67-89` → `+79123456789`), else None."""
    if not text or not any(ch.isdigit() for ch in text):
        return None
    raw = text.strip()
    if region == "RU" and raw.startswith("8") and len("".join(c for c in raw if c.isdigit())) == 11:
        raw = "+7" + "".join(c for c in raw if c.isdigit())[1:]
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(phone: str) -> str:
    """`+79123456789` → `+7 *** ***-67-89`: enough to recognise one's own number, not to read it."""
    if not phone or len(phone) < 5:
        return phone or ""
    return f"{phone[:2]} *** ***-{phone[-4:-2]}-{phone[-2:]}"


@dataclass(frozen=True)
class Identifier:
    kind: str  # "email", "phone" or "account"
    value: str


def classify_identifier(text: str, region: str = "RU") -> Identifier | None:
    """What a person typed into «логин»: an email, a phone, or an account number."""
    text = (text or "").strip()
    if not text:
        return None
    if "@" in text:
        return Identifier("email", text.lower())
    digits = "".join(ch for ch in text if ch.isdigit())
    looks_like_phone = text.startswith("+") or (len(digits) == 11 and digits[0] in "78")
    if looks_like_phone:
        phone = normalize_phone(text, region)
        if phone:
            return Identifier("phone", phone)
    if text.replace("-", "").replace(" ", "").isalnum():
        return Identifier("account", text.replace(" ", ""))
    return None


CODE_LENGTH = 6


def generate_code(length: int = CODE_LENGTH) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(length))


def hash_code(code: str, secret: str) -> str:
    """Codes are short, so they are stored as a keyed hash, never in clear."""
    return hmac.new(secret.encode(), code.strip().encode(), hashlib.sha256).hexdigest()


def codes_match(code: str, code_hash: str, secret: str) -> bool:
    return hmac.compare_digest(hash_code(code, secret), code_hash)


def hash_token(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_token_key() -> str:
    return secrets.token_urlsafe(32)
