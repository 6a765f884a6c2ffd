"""Reads for login by address (seed 001): settlement → street → house → flat.

Street matching is done in Python with casefold(): SQLite's LIKE folds only ASCII, and a settlement
has at most a few thousand streets, so one small distinct query serves every database the same way.
"""

import re

from kabinet.registry.models import Building, Premises

MAX_SUGGESTIONS = 10


def _buildings():
    # Buildings are shared addresses: one house, whichever organisations bill its flats.
    return Building.objects.all()


def natural_key(text: str):
    """`2` < `10` < `10а` for house and flat numbers."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part.casefold()) for part in re.findall(r"\d+|\D+", text)]


def settlements() -> list[str]:
    return list(_buildings().values_list("settlement", flat=True).distinct().order_by("settlement"))


def _streets(settlement: str) -> list[str]:
    return list(_buildings().filter(settlement=settlement).values_list("street", flat=True).order_by().distinct())


def match_streets(settlement: str, typed: str) -> list[str]:
    """Streets of the settlement containing what was typed; those starting with it (or with a word of it) first."""
    needle = " ".join((typed or "").split()).casefold()
    if not settlement or not needle:
        return []
    found = []
    for street in _streets(settlement):
        name = street.casefold()
        if needle in name:
            words = re.split(r"[\s.]+", name)
            rank = 0 if name.startswith(needle) or any(w.startswith(needle) for w in words) else 1
            found.append((rank, name, street))
    found.sort()
    return [street for _rank, _name, street in found[:MAX_SUGGESTIONS]]


def exact_street(settlement: str, typed: str) -> str | None:
    """The canonical name of the street typed in full (any case), else None."""
    needle = " ".join((typed or "").split()).casefold()
    if not settlement or not needle:
        return None
    for street in _streets(settlement):
        if street.casefold() == needle:
            return street
    return None


def houses(settlement: str, street: str) -> list[str]:
    numbers = _buildings().filter(settlement=settlement, street=street).values_list("house", flat=True).order_by().distinct()
    return sorted(set(numbers), key=natural_key)


def flats(settlement: str, street: str, house: str) -> list[Premises]:
    """Premises of the house, in natural order of their numbers."""
    premises = list(
        Premises.objects.filter(
            building__settlement=settlement, building__street=street, building__house=house
        ).select_related("building")
    )
    premises.sort(key=lambda p: (natural_key(p.number), p.pk))
    return premises
