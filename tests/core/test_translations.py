"""Russian is the default language: every UI string must have a Russian translation, compiled."""

import ast
import gettext
from pathlib import Path

import pytest

KABINET = Path(__file__).resolve().parents[2] / "kabinet"
CATALOGS = sorted(KABINET.glob("*/locale/ru/LC_MESSAGES/django.po"))


def parse_po(path: Path) -> list[dict]:
    """A minimal .po reader: entries with msgid, msgid_plural, msgstr / msgstr[n] and flags."""
    entries, entry, key = [], None, None
    for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if not line:
            if entry is not None:
                entries.append(entry)
            entry, key = None, None
            continue
        entry = entry if entry is not None else {"flags": set(), "msgstr": {}}
        if line.startswith("#,"):
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            target = entry["msgstr"] if isinstance(key, int) else entry
            target[key] += ast.literal_eval(line)
        else:
            word, _, value = line.partition(" ")
            key = int(word[7:-1]) if word.startswith("msgstr[") else (0 if word == "msgstr" else word)
            target = entry["msgstr"] if isinstance(key, int) else entry
            target[key] = ast.literal_eval(value)
    return [e for e in entries if e.get("msgid")]


def test_there_are_catalogues():
    assert len(CATALOGS) >= 3


@pytest.mark.parametrize("po_path", CATALOGS, ids=lambda p: p.parts[-5])
def test_every_string_is_translated_to_russian_and_compiled(po_path):
    entries = parse_po(po_path)
    untranslated = [e["msgid"] for e in entries if not all(e["msgstr"].values()) or "fuzzy" in e["flags"]]
    assert not untranslated, f"untranslated or fuzzy in {po_path}: {untranslated}"
    compiled = gettext.GNUTranslations(open(po_path.with_suffix(".mo"), "rb"))
    for e in entries:
        if "msgctxt" in e:
            assert compiled.pgettext(e["msgctxt"], e["msgid"]) == e["msgstr"][0], e["msgid"]
        elif "msgid_plural" in e:
            assert compiled.ngettext(e["msgid"], e["msgid_plural"], 1) == e["msgstr"][0], e["msgid"]
        else:
            assert compiled.gettext(e["msgid"]) == e["msgstr"][0], f"{po_path.with_suffix('.mo')} is stale"
