"""The SMS command language (seed 002, «Самообслуживание через SMS»): a pure parser.

    ПОКАЗАНИЯ|POKAZANIYA|P|П [<account>] <value> [<value> …] [!]
    ДОЛГ|DOLG|D|Д [<account>]
    ПОМОЩЬ|HELP|?

Case-insensitive, any whitespace between words. Values take a decimal comma or point ("123,4").
A trailing "!" confirms a reading the portal would ask to confirm (above the limit, a rollover).
The parser cannot tell an account number from a value: `handle_inbound_sms` decides with the
sender's accounts (the first word is the account when it is the number of one of them).
"""

import re
from dataclasses import dataclass

READINGS, DEBT, HELP = "readings", "debt", "help"

ALIASES = {
    "ПОКАЗАНИЯ": READINGS, "POKAZANIYA": READINGS, "P": READINGS, "П": READINGS,
    "ДОЛГ": DEBT, "DOLG": DEBT, "D": DEBT, "Д": DEBT,
    "ПОМОЩЬ": HELP, "HELP": HELP, "?": HELP,
}
NUMBER = re.compile(r"^[0-9]+(?:[.,][0-9]+)?$")
ACCOUNT = re.compile(r"^[0-9A-Za-zА-Яа-я/\-]{1,30}$")
MAX_VALUES = 12


@dataclass(frozen=True)
class SmsCommand:
    """A parsed command: `kind` (readings, debt, help), the words after it, and the confirm mark."""

    kind: str
    args: tuple[str, ...] = ()
    confirmed: bool = False


class SmsParseError(ValueError):
    """Not a command; `code` says why: "empty", "unknown", "no_values", "bad_value", "extra"."""

    def __init__(self, code: str, word: str = ""):
        super().__init__(code)
        self.code = code
        self.word = word


def normalize_value(word: str) -> str:
    """"123,4" → "123.4"."""
    return word.replace(",", ".")


def parse_sms(text: str) -> SmsCommand:
    """Parse one message; raises SmsParseError when it is not a valid command."""
    words = (text or "").split()
    if not words:
        raise SmsParseError("empty")
    head, args = words[0].upper(), words[1:]
    if head.endswith("?") and head != "?" and head[:-1] in ALIASES:  # "HELP?"
        head = head[:-1]
    kind = ALIASES.get(head)
    if kind is None:
        raise SmsParseError("unknown", words[0])
    if kind == HELP:
        return SmsCommand(HELP)
    if kind == DEBT:
        if len(args) > 1:
            raise SmsParseError("extra", args[1])
        if args and not ACCOUNT.match(args[0]):
            raise SmsParseError("bad_value", args[0])
        return SmsCommand(DEBT, tuple(args))
    confirmed = False
    if args and args[-1] == "!":
        confirmed, args = True, args[:-1]
    elif args and args[-1].endswith("!"):
        confirmed, args = True, args[:-1] + [args[-1][:-1]]
    if not args:
        raise SmsParseError("no_values")
    if len(args) > MAX_VALUES + 1:
        raise SmsParseError("extra", args[MAX_VALUES + 1])
    for index, word in enumerate(args):
        if not NUMBER.match(word) and not (index == 0 and ACCOUNT.match(word) and len(args) > 1):
            raise SmsParseError("bad_value", word)
    return SmsCommand(READINGS, tuple(normalize_value(w) if NUMBER.match(w) else w for w in args), confirmed)


def format_sms(command: SmsCommand) -> str:
    """The canonical text of a command (the parser's inverse, used in help texts and tests)."""
    word = {READINGS: "ПОКАЗАНИЯ", DEBT: "ДОЛГ", HELP: "ПОМОЩЬ"}[command.kind]
    return " ".join([word, *command.args, *(["!"] if command.confirmed else [])])
