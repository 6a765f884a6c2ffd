"""Unit tests of the pure reading rules: no database."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from kabinet.core.money import to_money
from kabinet.metering import rules
from kabinet.metering.rules import RuleError

D = Decimal
THIN = "\u202f"


def code_of(callable_, *args, **kwargs):
    with pytest.raises(RuleError) as error:
        callable_(*args, **kwargs)
    return error.value.code


# --- parse_value ------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("12345", D("12345")), ("12345,6", D("12345.6")), ("12345.6", D("12345.6")), (" 0 ", D("0")),
    ("000123", D("123")), ("5,", D("5")), (",5", D("0.5")), ("99999,999", D("99999.999")), ("1,500", D("1.5")),
])
def test_parse_accepts_digits_with_one_separator(text, expected):
    assert rules.parse_value(text, digits=5, decimals=3) == expected


@pytest.mark.parametrize("text, code", [
    ("", "required"), ("   ", "required"), (None, "required"),
    ("12a45", "not_a_number"), ("abc", "not_a_number"), ("1e5", "not_a_number"), (",", "not_a_number"),
    ("+5", "not_a_number"), ("١٢٣", "not_a_number"),
    ("1,2,3", "separators"), ("1.2,3", "separators"), ("12 345", "spaces"), ("12\u00a0345,6", "spaces"),
    ("-5", "negative"), ("−5", "negative"),
    ("123456", "too_many_digits"), ("12,3456", "too_many_decimals"),
])
def test_parse_refuses_with_a_clear_code(text, code):
    assert code_of(rules.parse_value, text, digits=5, decimals=3) == code


def test_parse_messages_say_what_to_fix():
    with pytest.raises(RuleError, match="at most 5 digits before"):
        rules.parse_value("123456", digits=5, decimals=3)
    with pytest.raises(RuleError, match="at most 3"):
        rules.parse_value("1,2345", digits=5, decimals=3)
    with pytest.raises(RuleError, match="no decimals: enter a whole number"):
        rules.parse_value("1,5", digits=5, decimals=0)
    with pytest.raises(RuleError, match="only one decimal separator"):
        rules.parse_value("1,5,5")
    with pytest.raises(RuleError, match="spaces"):
        rules.parse_value("1 5")
    with pytest.raises(RuleError, match="cannot be negative"):
        rules.parse_value("-1")


def test_parse_takes_decimals_and_ints_from_integrations():
    assert rules.parse_value(D("123.450"), digits=5, decimals=2) == D("123.45")
    assert rules.parse_value(7) == D(7)
    assert code_of(rules.parse_value, D("-1")) == "negative"
    assert code_of(rules.parse_value, D("NaN")) == "not_a_number"
    assert code_of(rules.parse_value, 1.5) == "not_a_number"  # floats are refused: Decimal or text only


def test_trailing_zeros_do_not_count_as_decimals():
    assert rules.parse_value("12,5000", digits=5, decimals=1) == D("12.5")


def test_messages_are_russian_by_default():
    with translation.override("ru"):
        with pytest.raises(RuleError) as error:
            rules.consumption_between(D("12345.6"), D("12000"), 5)
    assert error.value.message == (
        f"Показание не может быть меньше предыдущего (12{THIN}345,6). Если счётчик прошёл через ноль — подтвердите."
    )


values = st.decimals(min_value=0, max_value=D("99999.999"), places=3, allow_nan=False, allow_infinity=False)


@given(values, st.sampled_from([",", "."]))
def test_parse_round_trips_any_meter_value(value, separator):
    text = f"{value:f}".replace(".", separator)
    assert rules.parse_value(text, digits=5, decimals=3) == value


@given(st.text(min_size=1, max_size=12))
def test_parse_never_accepts_letters(text):
    try:
        number = rules.parse_value(text, digits=9, decimals=4)
    except RuleError:
        return
    assert all(ch in "0123456789,." for ch in text.strip()), text
    assert number >= 0


# --- rollover and consumption ---------------------------------------------------------------------------


def test_rollover_example_from_the_issue():
    assert rules.rollover_consumption(D("999999"), D("123"), 6) == D("124")
    assert rules.consumption_between(D("999999"), D("123"), 6, rollover=True) == D("124")
    with pytest.raises(RuleError) as error:
        rules.consumption_between(D("999999"), D("123"), 6)
    assert error.value.code == "below_previous"
    assert "(999\u202f999)" in error.value.message and "confirm" in error.value.message


def test_consumption_mode_zero_keeps_the_old_reading():
    assert rules.reading_from_consumption(D("12345.6"), D("0"), 5) == (D("12345.6"), False)
    assert rules.reading_from_consumption(D("100"), D("12.5"), 5) == (D("112.5"), False)
    assert rules.reading_from_consumption(D("99990"), D("25"), 5) == (D("15"), True)
    assert code_of(rules.reading_from_consumption, D("1"), D("100000"), 5) == "too_many_digits"
    assert code_of(rules.reading_from_consumption, D("1"), D("-1"), 5) == "negative"


@given(st.integers(min_value=1, max_value=9), st.data())
def test_rollover_arithmetic_round_trips(digits, data):
    top = 10**digits - 1
    previous = D(data.draw(st.integers(min_value=0, max_value=top)))
    consumption = D(data.draw(st.integers(min_value=0, max_value=top)))
    value, rolled = rules.reading_from_consumption(previous, consumption, digits)
    assert 0 <= value < rules.capacity(digits)
    assert rolled == (previous + consumption >= rules.capacity(digits))
    assert rules.consumption_between(previous, value, digits, rollover=rolled) == consumption


@given(st.integers(min_value=1, max_value=9), st.data())
def test_rollover_consumption_is_within_the_capacity(digits, data):
    previous = data.draw(st.integers(min_value=1, max_value=10**digits - 1))
    value = data.draw(st.integers(min_value=0, max_value=previous - 1))
    consumption = rules.rollover_consumption(D(previous), D(value), digits)
    assert 0 < consumption < 10**digits
    assert (D(previous) + consumption) % rules.capacity(digits) == value


# --- periods and the window -----------------------------------------------------------------------------


@pytest.mark.parametrize("day, cutoff, period", [
    (dt.date(2026, 11, 25), 25, dt.date(2026, 11, 1)),
    (dt.date(2026, 11, 26), 25, dt.date(2026, 12, 1)),
    (dt.date(2026, 12, 31), 25, dt.date(2027, 1, 1)),
    (dt.date(2026, 11, 1), 25, dt.date(2026, 11, 1)),
    (dt.date(2026, 11, 30), 31, dt.date(2026, 11, 1)),
])
def test_period_by_cutoff_day(day, cutoff, period):
    assert rules.period_for(day, cutoff) == period


def test_no_window_means_any_day():
    assert rules.window_opens_on(dt.date(2026, 11, 3), None, None) is None


@pytest.mark.parametrize("today, opens_on", [
    (dt.date(2026, 11, 14), dt.date(2026, 11, 15)),
    (dt.date(2026, 11, 15), None),
    (dt.date(2026, 11, 25), None),
    (dt.date(2026, 11, 26), dt.date(2026, 12, 15)),
    (dt.date(2026, 12, 31), dt.date(2027, 1, 15)),
])
def test_window_15_to_25(today, opens_on):
    assert rules.window_opens_on(today, 15, 25) == opens_on


def test_window_across_the_month_end_and_short_months():
    assert rules.window_opens_on(dt.date(2026, 11, 28), 25, 5) is None
    assert rules.window_opens_on(dt.date(2026, 12, 3), 25, 5) is None
    assert rules.window_opens_on(dt.date(2026, 12, 10), 25, 5) == dt.date(2026, 12, 25)
    assert rules.window_opens_on(dt.date(2027, 2, 10), 30, 31) == dt.date(2027, 2, 28)


def test_window_message_says_when_it_opens():
    message = rules.window_closed_message(15, 25, dt.date(2026, 12, 15))
    assert "from the 15 to the 25" in message and "opens on 15.12.2026" in message


def test_only_the_current_period():
    today = dt.date(2026, 11, 20)
    assert rules.check_period(dt.date(2026, 11, 2), today, 25) == dt.date(2026, 11, 1)
    assert code_of(rules.check_period, dt.date(2026, 10, 24), today, 25) == "period"
    assert code_of(rules.check_period, dt.date(2026, 11, 21), today, 25) == "future"


# --- meters and zones -----------------------------------------------------------------------------------


def test_zones_and_their_names():
    assert rules.zones_for(1) == ("T1",)
    assert rules.zones_for(3) == ("T1", "T2", "T3")
    assert [rules.zone_label(z, 2) for z in rules.zones_for(2)] == ["Day", "Night"]
    assert [rules.zone_label(z, 3) for z in rules.zones_for(3)] == ["Peak", "Night", "Half-peak"]
    with pytest.raises(ValueError):
        rules.zones_for(4)


def test_meter_must_take_readings():
    ok = rules.MeterState(zone_count=1, digits=5, decimals=3)
    rules.check_meter_accepts_readings(ok, by_consumer=True)
    retired = rules.MeterState(zone_count=1, digits=5, decimals=3, is_active=False)
    unregistered = rules.MeterState(zone_count=1, digits=5, decimals=3, is_registered=False)
    collective = rules.MeterState(zone_count=1, digits=5, decimals=3, is_collective=True)
    assert code_of(rules.check_meter_accepts_readings, retired, by_consumer=False) == "meter_retired"
    assert code_of(rules.check_meter_accepts_readings, unregistered, by_consumer=False) == "meter_unregistered"
    assert code_of(rules.check_meter_accepts_readings, collective, by_consumer=True) == "meter_collective"
    rules.check_meter_accepts_readings(collective, by_consumer=False)  # staff read house meters


def test_every_zone_of_a_meter_is_required_and_no_other():
    three = rules.MeterState(zone_count=3, digits=6, decimals=1)
    assert rules.check_zones(three, ["T1", "T2", "T3"]) == ([], [], [])
    assert rules.check_zones(three, ["T1", "T3"]) == ([], ["T2"], [])
    single = rules.MeterState(zone_count=1, digits=5, decimals=3)
    assert rules.check_zones(single, ["T1", "T2", "T1"]) == (["T2"], [], ["T1"])
    assert "0 as consumption" in rules.missing_zone_message("T2", 3)
    assert "Night" in rules.missing_zone_message("T2", 3)


# --- limits and warnings --------------------------------------------------------------------------------


def test_limit_per_resident_within_and_above():
    assert rules.check_limit(D("20"), per_resident=D("10"), people=2, mode="refuse") is None
    assert rules.check_limit(D("21"), per_resident=D("10"), people=2, mode="confirm") == "confirm"
    assert rules.check_limit(D("9999"), per_resident=None, people=1, mode="refuse") is None


def test_refused_limit_names_the_limit_and_where_to_go():
    with pytest.raises(RuleError) as error:
        rules.check_limit(D("25.5"), per_resident=D("10"), people=2, mode="refuse", unit="m³",
                          office_phone="+7 3842 00-00-00")
    message = error.value.message
    assert error.value.code == "limit"
    assert "25,5\u00a0m³" in message and "20\u00a0m³" in message and "10\u00a0m³ per resident" in message
    assert "at the office or by phone +7 3842 00-00-00" in message
    with pytest.raises(RuleError, match="at the office or by phone."):
        rules.check_limit(D("25"), per_resident=D("10"), people=2, mode="refuse")


def test_residents_or_owners_or_one():
    assert rules.resident_count(3, 1) == 3
    assert rules.resident_count(0, 2) == 2
    assert rules.resident_count(0, 0) == 1


def test_domain_three_zone_example():
    """DOMAIN.md §1: T1 90, T2 60, T3 120 kWh at peak 6.18, night 1.74, half-peak 5.15 → 1278.60 ₽."""
    previous = {"T1": D("30113"), "T2": D("1185"), "T3": D("23765")}
    current = {"T1": D("30203"), "T2": D("1245"), "T3": D("23885")}
    consumption = {z: rules.consumption_between(previous[z], current[z], 6) for z in rules.zones_for(3)}
    assert consumption == {"T1": D("90"), "T2": D("60"), "T3": D("120")}
    tariffs = {"T1": D("6.18"), "T2": D("1.74"), "T3": D("5.15")}
    lines = [to_money(consumption[z] * tariffs[z]) for z in rules.zones_for(3)]
    assert lines == [D("556.20"), D("104.40"), D("618.00")] and sum(lines) == D("1278.60")
    total = sum(consumption.values())
    assert rules.check_limit(total, per_resident=D("200"), people=2, mode="refuse") is None
    assert rules.check_limit(total, per_resident=D("200"), people=1, mode="confirm") == "confirm"


def test_high_against_the_six_month_average():
    history = [D("5.1"), D("4.8"), D("5.4"), D("6.0"), D("5.2"), D("4.9")]
    assert rules.monthly_average(history).quantize(D("0.00001")) == D("5.23333")
    assert not rules.is_high(D("15.7"), history)
    assert rules.is_high(D("15.8"), history)
    assert rules.is_high(D("11"), history, factor=D("2"))
    assert not rules.is_high(D("100"), [D("5"), D("5")])  # under 3 months of history: no average
    assert not rules.is_high(D("100"), [D("0")] * 6)
    assert rules.monthly_average([D("1")] * 3 + history) == rules.monthly_average(history)


def test_zero_for_three_months():
    assert rules.is_zero_streak(D("0"), [D("0"), D("0")])
    assert not rules.is_zero_streak(D("0"), [D("1"), D("0")])
    assert not rules.is_zero_streak(D("0"), [D("0")])
    assert not rules.is_zero_streak(D("0.001"), [D("0"), D("0")])


def test_hot_above_cold():
    assert rules.is_hot_above_cold(D("5"), D("4"))
    assert not rules.is_hot_above_cold(D("4"), D("4"))
    assert not rules.is_hot_above_cold(D("5"), None)


def test_format_volume():
    assert rules.format_volume(D("12345.600")) == f"12{THIN}345,6"
    assert rules.format_volume(D("1234567.000")) == f"1{THIN}234{THIN}567"
    assert rules.format_volume(D("0.5"), unit="m³") == "0,5\u00a0m³"
    assert rules.format_volume(D("12.3456"), decimals=2) == "12,35"
    assert rules.format_volume(D("-5")) == "−5"
    assert rules.format_volume(D("0")) == "0"
