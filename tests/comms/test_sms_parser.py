"""The SMS command parser: examples and properties (hypothesis)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kabinet.comms.sms_parser import DEBT, HELP, READINGS, SmsCommand, SmsParseError, format_sms, parse_sms


@pytest.mark.parametrize("text,expected", [
    ("ПОКАЗАНИЯ 1000200 123.4", SmsCommand(READINGS, ("1000200", "123.4"))),
    ("  pokazaniya   1000200  30113,5 1185 23765  ", SmsCommand(READINGS, ("1000200", "30113.5", "1185", "23765"))),
    ("p 123", SmsCommand(READINGS, ("123",))),
    ("П 123 !", SmsCommand(READINGS, ("123",), confirmed=True)),
    ("P 1000200 123!", SmsCommand(READINGS, ("1000200", "123"), confirmed=True)),
    ("ЛС 5", None),
    ("долг 1000200", SmsCommand(DEBT, ("1000200",))),
    ("D", SmsCommand(DEBT)),
    ("Dolg\t1000200", SmsCommand(DEBT, ("1000200",))),
    ("помощь", SmsCommand(HELP)),
    ("?", SmsCommand(HELP)),
    ("Help", SmsCommand(HELP)),
])
def test_examples(text, expected):
    if expected is None:
        with pytest.raises(SmsParseError):
            parse_sms(text)
    else:
        assert parse_sms(text) == expected


@pytest.mark.parametrize("text,code", [
    ("", "empty"), ("   ", "empty"), ("привет", "unknown"), ("P", "no_values"), ("P 1000200 abc", "bad_value"),
    ("D 1 2", "extra"), ("P 12..3", "bad_value"),
])
def test_errors(text, code):
    with pytest.raises(SmsParseError) as info:
        parse_sms(text)
    assert info.value.code == code


READINGS_WORDS = ["ПОКАЗАНИЯ", "POKAZANIYA", "P", "П"]
DEBT_WORDS = ["ДОЛГ", "DOLG", "D", "Д"]
HELP_WORDS = ["ПОМОЩЬ", "HELP", "?"]
numbers = st.from_regex(r"\A[0-9]{1,7}([.,][0-9]{1,3})?\Z")
spaces = st.text(alphabet=" \t\n", min_size=1, max_size=4)


def random_case(word, data):
    flips = data.draw(st.lists(st.booleans(), min_size=len(word), max_size=len(word)))
    return "".join(ch.lower() if flip else ch.upper() for ch, flip in zip(word, flips, strict=True))


@given(st.data(), st.lists(numbers, min_size=1, max_size=6))
def test_readings_in_any_case_and_spacing(data, values):
    word = random_case(data.draw(st.sampled_from(READINGS_WORDS)), data)
    gaps = [data.draw(spaces) for _ in range(len(values) + 2)]
    text = gaps[0] + word + "".join(gap + value for gap, value in zip(gaps[1:], values, strict=False)) + gaps[-1]
    command = parse_sms(text)
    assert command.kind == READINGS
    assert command.args == tuple(v.replace(",", ".") for v in values)
    assert not command.confirmed


@given(st.data(), st.one_of(st.none(), st.from_regex(r"\A[0-9]{5,10}\Z")))
def test_debt_aliases_are_equivalent(data, account):
    word = random_case(data.draw(st.sampled_from(DEBT_WORDS)), data)
    text = word + (data.draw(spaces) + account if account else "")
    assert parse_sms(text) == SmsCommand(DEBT, (account,) if account else ())


@given(st.data())
def test_help_aliases(data):
    word = random_case(data.draw(st.sampled_from(HELP_WORDS)), data)
    assert parse_sms(data.draw(spaces) + word + data.draw(spaces)) == SmsCommand(HELP)


@given(st.sampled_from([READINGS, DEBT, HELP]), st.lists(numbers, min_size=1, max_size=5),
       st.from_regex(r"\A[0-9]{5,10}\Z"), st.booleans())
def test_format_then_parse_is_identity(kind, values, account, confirmed):
    args = {READINGS: tuple(v.replace(",", ".") for v in values), DEBT: (account,), HELP: ()}[kind]
    command = SmsCommand(kind, args, confirmed and kind == READINGS)
    assert parse_sms(format_sms(command)) == command


@given(st.text(max_size=60))
def test_never_crashes(text):
    try:
        command = parse_sms(text)
    except SmsParseError as exc:
        assert exc.code in {"empty", "unknown", "no_values", "bad_value", "extra"}
    else:
        assert command.kind in {READINGS, DEBT, HELP}
