"""POST and GET /api/v1/readings/ and the staff review: all or nothing, exact decimals, confirmations,
who may submit, see and review what."""

import datetime as dt
import json
from decimal import Decimal

import pytest

from kabinet.accounts.services import grant_delegation
from kabinet.metering.models import Meter, Reading, ReadingSettings
from tests import factories
from tests.metering.factories import MeterFactory, ReadingFactory

URL = "/api/v1/readings/"
D = Decimal


def post(client, body, **extra):
    """POST a body as raw JSON text, so numbers reach the server exactly as written."""
    text = body if isinstance(body, str) else json.dumps(body)
    return client.post(URL, text, content_type="application/json", **extra)


def item(meter, value, zone="T1", **extra):
    return {"meter": meter.pk, "zone": zone, "value": value, **extra}


def snapshot():
    return list(Reading.objects.order_by("pk").values())


def codes(response):
    assert response.status_code == 400, response.content
    return [(e["index"], e["field"], e["code"]) for e in response.json()["errors"]]


@pytest.fixture
def rollover_meter(account):
    """Cold water just below its capacity (5 digits): last accepted 99 990."""
    meter = MeterFactory(account=account, serial_number="CW-ROLL")
    ReadingFactory(meter=meter, value=D("99990"), taken_on=dt.date(2026, 10, 20))
    return meter


# --- Submit: success ----------------------------------------------------------------------------------


def test_consumer_submits_a_reading(client_for, alice, water, today):
    response = post(client_for(alice), [item(water, "112,5")])
    assert response.status_code == 201, response.content
    body = response.json()
    stored = Reading.objects.get(status=Reading.Status.NEW)
    assert body == {
        "readings": [{
            "id": stored.pk,
            "meter": water.pk,
            "account": "1000200",
            "zone": "T1",
            "value": "112.500",
            "consumption": "12.500",
            "taken_on": "2026-11-20",
            "period": "2026-11",
            "source": "app",
            "status": "new",
            "reject_reason": "",
            "flags": [],
            "created_at": body["readings"][0]["created_at"],
        }],
        "superseded": [],
        "warnings": [],
    }
    assert (stored.value, stored.consumption, stored.source, stored.submitted_by) == (D("112.5"), D("12.5"), "app", alice)


def test_several_meters_and_every_zone_in_one_request_come_back_in_request_order(
    client_for, alice, water, day_night, today
):
    body = {"readings": [item(day_night, "2100.5", "T2"), item(water, "101"), item(day_night, "5200", "T1")]}
    response = post(client_for(alice), body)
    assert response.status_code == 201, response.content
    readings = response.json()["readings"]
    assert [(r["meter"], r["zone"], r["value"], r["consumption"]) for r in readings] == [
        (day_night.pk, "T2", "2100.5", "100.5"), (water.pk, "T1", "101.000", "1.000"),
        (day_night.pk, "T1", "5200.0", "200.0"),
    ]
    assert Reading.objects.filter(status=Reading.Status.NEW).count() == 3


@pytest.mark.parametrize(("value", "stored"), [
    ("112.5", "112.5"), ("112,5", "112.5"), (" 112,500 ", "112.5"), (112, "112"), ("112", "112"),
])
def test_values_as_strings_or_numbers_with_either_separator(client_for, alice, water, today, value, stored):
    assert post(client_for(alice), [item(water, value)]).status_code == 201
    assert Reading.objects.get(status=Reading.Status.NEW).value == D(stored)


def test_json_numbers_never_pass_through_a_float(client_for, alice, account, today):
    meter = MeterFactory(account=account, digits=5, decimals=4)
    ReadingFactory(meter=meter, value=D("12345.1"))
    # As a float 12345.6789 is 12345.67890000000079…: too many decimals for this meter.
    response = post(client_for(alice), f'[{{"meter": {meter.pk}, "zone": "T1", "value": 12345.6789}}]')
    assert response.status_code == 201, response.content
    assert response.json()["readings"][0]["value"] == "12345.6789"
    assert response.json()["readings"][0]["consumption"] == "0.5789"
    assert Reading.objects.get(status=Reading.Status.NEW).value == D("12345.6789")


def test_exact_three_decimals(client_for, alice, account, today):
    water = MeterFactory(account=account)  # no reading yet: any value goes
    response = post(client_for(alice), f'[{{"meter": {water.pk}, "zone": "T1", "value": 123.456}}]')
    assert response.json()["readings"][0]["value"] == "123.456"
    assert Reading.objects.get(status=Reading.Status.NEW).value == D("123.456")


def test_a_long_decimal_is_not_rounded_to_a_float(client_for, alice, water, today):
    """A float would turn 100.30000000000000004 into 100.3 and store it; exact, it has too many decimals."""
    before = snapshot()
    response = post(client_for(alice), f'[{{"meter": {water.pk}, "zone": "T1", "value": 100.30000000000000004}}]')
    assert codes(response) == [(0, "value", "too_many_decimals")]
    assert snapshot() == before


def test_a_number_with_trailing_zeros_and_an_exponent(client_for, alice, water, today):
    response = post(client_for(alice), f'[{{"meter": {water.pk}, "zone": "T1", "value": 1.125000000E+2}}]')
    assert response.status_code == 201, response.content
    assert response.json()["readings"][0]["value"] == "112.500"


def test_consumption_mode(client_for, alice, water, today):
    response = post(client_for(alice), [item(water, "4,5", mode="consumption")])
    assert response.status_code == 201, response.content
    assert (response.json()["readings"][0]["value"], response.json()["readings"][0]["consumption"]) == \
        ("104.500", "4.500")


def test_resubmitting_in_the_same_period_supersedes_the_pending_reading(client_for, alice, water, today):
    client = client_for(alice)
    first = post(client, [item(water, "110")]).json()["readings"][0]
    second = post(client, [item(water, "111")]).json()
    assert second["superseded"] == [first["id"]]
    history = client.get(URL, {"meter": water.pk}).json()["results"]
    assert [(r["value"], r["status"]) for r in history[:2]] == [("111.000", "new"), ("110.000", "superseded")]


def test_delegate_with_the_readings_right_submits(client_for, alice, bob, account, water, today):
    grant_delegation(alice, account.pk, "bob@example.com", ["readings"])
    response = post(client_for(bob), [item(water, "101")])
    assert response.status_code == 201
    assert Reading.objects.get(status=Reading.Status.NEW).submitted_by == bob


def test_a_warning_is_returned_and_flags_the_reading(client_for, alice, water, today):
    water.verification_due = dt.date(2026, 1, 1)
    water.save()
    response = post(client_for(alice), [item(water, "101")], HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 201
    (warning,) = response.json()["warnings"]
    assert (warning["index"], warning["code"]) == (0, "verification_expired")
    assert "01.01.2026" in warning["message"]
    assert response.json()["readings"][0]["flags"] == ["verification_expired"]


# --- Submit: errors, all or nothing ------------------------------------------------------------------------


def test_mixed_good_and_bad_items_store_nothing_and_report_each_item(client_for, alice, water, day_night, today):
    before = snapshot()
    body = [
        item(water, "101"),  # fine
        item(day_night, "5100.55", "T1"),  # the meter shows one decimal
        item(day_night, "2100", "T2"),  # fine
        item(water, "abc", "T2"),  # a zone the meter lacks
        {"meter": 999999999, "zone": "T1", "value": "1"},  # no such meter
    ]
    response = post(client_for(alice), body, HTTP_ACCEPT_LANGUAGE="en")
    assert sorted(codes(response), key=str) == sorted([
        (1, "value", "too_many_decimals"), (3, "zone", "zone"), (4, "meter", "meter_not_found"),
    ], key=str)
    errors = {e["index"]: e for e in response.json()["errors"]}
    assert errors[4]["message"] == "No such meter."
    assert "at most 1" in errors[1]["message"]
    assert response.json()["code"] == "invalid"
    assert response.json()["detail"] == response.json()["errors"][0]["message"]
    assert snapshot() == before


def test_every_zone_of_a_meter_is_required(client_for, alice, day_night, today):
    response = post(client_for(alice), [item(day_night, "5100", "T1")], HTTP_ACCEPT_LANGUAGE="en")
    assert codes(response) == [(0, "zone", "required")]
    assert "T2" in response.json()["errors"][0]["message"]
    assert not Reading.objects.filter(status=Reading.Status.NEW).exists()


def test_an_item_without_zone_or_value_is_invalid(client_for, alice, water, today):
    before = snapshot()
    response = post(client_for(alice), [{"meter": water.pk, "value": "101"}, {"meter": water.pk, "zone": "T1"}])
    assert codes(response) == [(0, "zone", "required"), (1, "value", "required")]
    assert snapshot() == before


@pytest.mark.parametrize(("body", "expected"), [
    ([5], [(0, None, "invalid")]),
    ([{"meter": "abc", "zone": "T1", "value": "1"}], [(0, "meter", "invalid")]),
    ([{"meter": True, "zone": "T1", "value": "1"}], [(0, "meter", "invalid")]),
    ([{"meter": 1.5, "zone": "T1", "value": "1"}], [(0, "meter", "invalid")]),
    ([{"meter": 1, "zone": "T1", "value": "1", "mode": "guess"}], [(0, "mode", "invalid_choice")]),
    ([{"meter": 1, "zone": "T1", "value": "1", "period": "11.2026"}], [(0, "period", "invalid")]),
    ({"readings": "abc"}, [(None, "readings", "not_a_list")]),
    ({"confirm": True}, [(None, "readings", "required")]),
    ({"readings": [], "confirm": "maybe"}, [(None, "confirm", "invalid")]),
    ('"abc"', [(None, None, "invalid")]),
])
def test_malformed_requests_are_400_with_item_errors(client_for, alice, water, today, body, expected):
    before = snapshot()
    response = post(client_for(alice), body)
    assert codes(response) == expected
    assert response.json()["detail"]
    assert snapshot() == before


@pytest.mark.parametrize("value", [True, None, {"x": 1}, [1], "1 000", "-5", "1,2,3", ""])
def test_values_that_are_not_numbers(client_for, alice, water, today, value):
    response = post(client_for(alice), [item(water, value)])
    assert response.status_code == 400
    assert [(e["index"], e["field"]) for e in response.json()["errors"]] == [(0, "value")]
    assert not Reading.objects.filter(status=Reading.Status.NEW).exists()


def test_an_empty_list_is_refused(client_for, alice, today):
    assert codes(post(client_for(alice), [])) == [(None, None, "empty")]


def test_malformed_json_and_other_media_types(client_for, alice, water, today):
    client = client_for(alice)
    assert post(client, "[{not json").json()["code"] == "parse_error"
    assert post(client, f'[{{"meter": {water.pk}, "zone": "T1", "value": NaN}}]').json()["code"] == "parse_error"
    response = client.post(URL, {"meter": water.pk, "zone": "T1", "value": "101"})  # multipart form
    assert response.status_code == 415
    assert not Reading.objects.filter(status=Reading.Status.NEW).exists()


def test_a_huge_meter_id_is_an_unknown_meter(client_for, alice, water, today):
    response = post(client_for(alice), [{"meter": 10**30, "zone": "T1", "value": "1"}])
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "meter"


def test_it_validates_ownership(client_for, charlie, water, today):
    """A stranger's meter is reported exactly like a missing one, and nothing is stored."""
    client = client_for(charlie)
    before = snapshot()
    foreign = post(client, [item(water, "101")])
    missing = post(client, [{"meter": 999999999, "zone": "T1", "value": "101"}])
    assert foreign.status_code == missing.status_code == 400
    assert foreign.json() == missing.json()
    assert codes(foreign) == [(0, "meter", "meter_not_found")]
    assert "CW-1001" not in foreign.content.decode()
    assert snapshot() == before


def test_delegate_without_the_readings_right_cannot_submit(client_for, alice, bob, account, water, today):
    grant_delegation(alice, account.pk, "bob@example.com", ["payments"])
    before = snapshot()
    assert codes(post(client_for(bob), [item(water, "101")])) == [(0, "meter", "meter_not_found")]
    assert snapshot() == before


def test_house_meters_take_no_readings_from_consumers(client_for, alice, org, account, today):
    house = MeterFactory(account=None, building=account.premises.building, organization=org)
    assert codes(post(client_for(alice), [item(house, "1")])) == [(0, "meter", "meter_not_found")]


def test_messages_are_russian_by_default(client_for, alice, water, today):
    response = post(client_for(alice), [{"meter": 999999999, "zone": "T1", "value": "1"}])
    assert response.json()["errors"][0]["message"] == "Такого счётчика нет."
    assert response.json()["detail"] == "Такого счётчика нет."


# --- Confirmations ------------------------------------------------------------------------------------------


def test_a_value_over_the_limit_needs_confirm(client_for, alice, water, today):
    client = client_for(alice)
    before = snapshot()
    refused = post(client, [item(water, "125")], HTTP_ACCEPT_LANGUAGE="en")  # 25 m³ > 2 residents × 10 m³
    assert codes(refused) == [(0, "value", "limit")]
    assert "confirm it" in refused.json()["errors"][0]["message"]
    assert snapshot() == before
    confirmed = post(client, {"readings": [item(water, "125")], "confirm": True})
    assert confirmed.status_code == 201, confirmed.content
    reading = confirmed.json()["readings"][0]
    assert (reading["status"], reading["flags"]) == ("new", ["over_limit"])


def test_refuse_mode_cannot_be_confirmed(client_for, alice, org, water, today):
    ReadingSettings.objects.create(organization=org, limit_mode="refuse")
    response = post(client_for(alice), {"readings": [item(water, "125")], "confirm": True})
    assert codes(response) == [(0, "value", "limit")]


def test_a_rollover_needs_confirm_rollover(client_for, alice, rollover_meter, today):
    client = client_for(alice)
    before = snapshot()
    refused = post(client, [item(rollover_meter, "5")])
    assert codes(refused) == [(0, "value", "rollover")]
    also_limit = post(client, {"readings": [item(rollover_meter, "5")], "confirm": True})
    assert codes(also_limit) == [(0, "value", "rollover")]
    assert snapshot() == before
    confirmed = post(client, {"readings": [item(rollover_meter, "5")], "confirm_rollover": True})
    assert confirmed.status_code == 201, confirmed.content
    reading = confirmed.json()["readings"][0]
    assert (reading["value"], reading["consumption"], reading["flags"]) == ("5.000", "15.000", ["rollover"])


def test_a_closed_window_refuses_consumers(client_for, alice, org, water, today):
    ReadingSettings.objects.create(organization=org, window_start_day=23, window_end_day=25)
    response = post(client_for(alice), [item(water, "101")], HTTP_ACCEPT_LANGUAGE="en")
    assert codes(response) == [(None, None, "window_closed")]
    assert "23.11.2026" in response.json()["detail"]


def test_the_period_if_given_must_be_the_current_one(client_for, alice, water, today):
    assert post(client_for(alice), [item(water, "101", period="2026-11")]).status_code == 201
    assert codes(post(client_for(alice), [item(water, "102", period="2026-10")])) == [(0, "period", "period")]


# --- Staff submissions ---------------------------------------------------------------------------------------


def test_staff_submit_for_their_organisation_as_staff_accepted(client_for, staff, org, water, today):
    house = MeterFactory(account=None, building=water.account.premises.building, organization=org)
    ReadingSettings.objects.create(organization=org, window_start_day=23, window_end_day=25)  # not for staff
    response = post(client_for(staff), [item(water, "130"), item(house, "7")])  # 30 m³: over the limit
    assert response.status_code == 201, response.content
    readings = response.json()["readings"]
    assert [(r["source"], r["status"]) for r in readings] == [("staff", "accepted"), ("staff", "accepted")]
    assert readings[0]["flags"] == ["over_limit"]
    assert Reading.objects.get(pk=readings[0]["id"]).reviewed_by == staff


def test_staff_cannot_submit_for_another_organisation(client_for, other_staff, water, today):
    before = snapshot()
    assert codes(post(client_for(other_staff), [item(water, "101")])) == [(0, "meter", "meter_not_found")]
    assert snapshot() == before


def test_a_consumer_who_is_also_staff_submits_for_the_own_flat_as_a_consumer(client_for, alice, org, water, today):
    factories.StaffMembershipFactory(user=alice, organization=org)
    response = post(client_for(alice), [item(water, "101")])
    assert response.json()["readings"][0]["source"] == "app"


# --- History -----------------------------------------------------------------------------------------------------


@pytest.fixture
def history(water, staff):
    """water: accepted 95 (09.2026) and 100 (10.2026), a rejected 90 and a pending 104 in 11.2026."""
    rejected = ReadingFactory(meter=water, value=D("90"), taken_on=dt.date(2026, 11, 2), status=Reading.Status.REJECTED,
                              reject_reason="Фото не совпадает", source=Reading.Source.SMS)
    pending = ReadingFactory(meter=water, value=D("104"), taken_on=dt.date(2026, 11, 5), status=Reading.Status.NEW,
                             source=Reading.Source.APP)
    return rejected, pending


def test_history_newest_first_with_status_source_and_reason(client_for, alice, water, history):
    rejected, pending = history
    results = client_for(alice).get(URL).json()["results"]
    assert [(r["taken_on"], r["value"], r["status"], r["source"]) for r in results] == [
        ("2026-11-05", "104.000", "new", "app"),
        ("2026-11-02", "90.000", "rejected", "sms"),
        ("2026-10-20", "100.000", "accepted", "portal"),
        ("2026-09-20", "95.000", "accepted", "portal"),
    ]
    assert results[1]["reject_reason"] == "Фото не совпадает"


def test_history_filters(client_for, alice, water, day_night, history):
    client = client_for(alice)

    def values(**params):
        response = client.get(URL, params)
        assert response.status_code == 200, response.content
        return [r["value"] for r in response.json()["results"]]

    assert values(meter=water.pk, period="2026-11") == ["104.000", "90.000"]
    assert values(meter=water.pk, period="2026-10") == ["100.000"]
    assert values(meter=day_night.pk) == ["5000.0", "2000.0"] or values(meter=day_night.pk) == ["2000.0", "5000.0"]
    assert values(period="2026-10") != []
    assert values(status="rejected") == ["90.000"]
    assert values(meter=water.pk, status="new") == ["104.000"]
    assert values(period="2020-01") == []
    for bad in ({"period": "11.2026"}, {"meter": "x"}, {"status": "lost"}):
        response = client.get(URL, bad)
        assert response.status_code == 400
        assert list(response.json()["errors"]) == list(bad)


def test_history_is_paginated(client_for, alice, water, history):
    page = client_for(alice).get(URL, {"limit": 2, "offset": 1}).json()
    assert page["count"] == 4
    assert [r["value"] for r in page["results"]] == ["90.000", "100.000"]
    assert "offset=3" in page["next"]


def test_history_of_a_retired_meter_stays_readable(client_for, alice, water, history):
    Meter.objects.filter(pk=water.pk).update(status=Meter.Status.RETIRED)
    assert client_for(alice).get(URL, {"meter": water.pk}).json()["count"] == 4


def test_strangers_see_no_history(client_for, charlie, other_staff, water, history):
    for user in (charlie, other_staff):
        client = client_for(user)
        assert client.get(URL).json()["count"] == 0
        assert client.get(URL, {"meter": water.pk}).json()["count"] == 0


def test_staff_see_their_organisations_readings(client_for, staff, org, water, history, charlie):
    foreign = MeterFactory(account=charlie.account_links.get().account)
    ReadingFactory(meter=foreign)
    house = MeterFactory(account=None, building=water.account.premises.building, organization=org)
    ReadingFactory(meter=house, value=D("7"))
    results = client_for(staff).get(URL).json()["results"]
    assert {r["meter"] for r in results} == {water.pk, house.pk}
    assert client_for(staff).get(URL, {"status": "new"}).json()["count"] == 1


@pytest.mark.parametrize("n", [1, 10])
def test_history_queries_are_constant(client_for, alice, account, n, django_assert_num_queries):
    for _ in range(n):
        meter = MeterFactory(account=account)
        for month in range(1, 13):
            ReadingFactory(meter=meter, value=D(month), taken_on=dt.date(2026, month, 20))
    client = client_for(alice)
    client.get("/api/v1/me/")
    with django_assert_num_queries(4):  # token, staff memberships, count, page
        assert client.get(URL).json()["count"] == 12 * n


# --- Review (staff) ---------------------------------------------------------------------------------------------------


def accept(client, reading, **extra):
    return client.post(f"{URL}{reading.pk}/accept/", format="json", **extra)


def reject(client, reading, data, **extra):
    return client.post(f"{URL}{reading.pk}/reject/", data, format="json", **extra)


def test_staff_accept_a_new_reading(client_for, staff, water, history):
    _rejected, pending = history
    response = accept(client_for(staff), pending)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["id"], body["status"], body["consumption"]) == (pending.pk, "accepted", "4.000")
    pending.refresh_from_db()
    assert (pending.status, pending.reviewed_by) == (Reading.Status.ACCEPTED, staff)


def test_staff_reject_with_a_reason(client_for, staff, water, history):
    _rejected, pending = history
    response = reject(client_for(staff), pending, {"reason": "Показание меньше фото"})
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["reject_reason"]) == ("rejected", "Показание меньше фото")
    pending.refresh_from_db()
    assert pending.status == Reading.Status.REJECTED


@pytest.mark.parametrize("data", [{}, {"reason": ""}, {"reason": "   "}])
def test_reject_needs_a_reason(client_for, staff, history, data):
    _rejected, pending = history
    before = snapshot()
    response = reject(client_for(staff), pending, data)
    assert response.status_code == 400
    assert "reason" in response.json()["errors"]
    assert snapshot() == before


def test_consumers_may_not_review(client_for, alice, history):
    _rejected, pending = history
    before = snapshot()
    client = client_for(alice)
    response = accept(client, pending, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert "readings role" in response.json()["detail"]
    assert reject(client, pending, {"reason": "x"}).status_code == 403
    assert snapshot() == before


def test_staff_without_the_readings_role_may_not_review(client_for, org, history):
    _rejected, pending = history
    user = factories.StaffMembershipFactory(organization=org, roles=["users"]).user
    before = snapshot()
    assert accept(client_for(user), pending).status_code == 403
    assert snapshot() == before


def test_staff_of_another_organisation_get_404(client_for, other_staff, history):
    _rejected, pending = history
    before = snapshot()
    client = client_for(other_staff)
    foreign = accept(client, pending)
    missing = client.post(f"{URL}999999999/accept/", format="json")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()
    assert reject(client, pending, {"reason": "x"}).status_code == 404
    assert snapshot() == before


def test_review_respects_the_status(client_for, staff, water, history):
    rejected, _pending = history
    billed = ReadingFactory(meter=water, value=D("100"), status=Reading.Status.BILLED)
    client = client_for(staff)
    before = snapshot()
    response = accept(client, rejected, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409
    assert response.json() == {"detail": "Only a new reading can be accepted.", "code": "wrong_status"}
    assert reject(client, billed, {"reason": "x"}).status_code == 409
    assert snapshot() == before


def test_review_is_post_only(client_for, staff, history):
    _rejected, pending = history
    assert client_for(staff).get(f"{URL}{pending.pk}/accept/").status_code == 405


@pytest.mark.parametrize("who", ["charlie", "other_staff"])
def test_strangers_post_changes_nothing(request, client_for, water, history, today, who):
    """The isolation matrix checks these routes with GET only (tests/test_isolation.py): here the POST."""
    _rejected, pending = history
    client = client_for(request.getfixturevalue(who))
    before = snapshot()
    for body in ([item(water, "101")], {"readings": [item(water, "101")], "confirm": True, "confirm_rollover": True}):
        response = post(client, body)
        assert codes(response) == [(0, "meter", "meter_not_found")]
        assert "CW-1001" not in response.content.decode() and "1000200" not in response.content.decode()
    assert accept(client, pending).status_code in (403, 404)
    assert reject(client, pending, {"reason": "x"}).status_code in (403, 404)
    assert snapshot() == before


def test_review_and_filter_messages_are_russian_by_default(client_for, alice, other_staff, history):
    _rejected, pending = history
    assert accept(client_for(alice), pending).json()["detail"] == (
        "Проверять показания могут только сотрудники с ролью «Новые показания»."
    )
    assert accept(client_for(other_staff), pending).json()["detail"] == "Такого показания нет."
    response = client_for(alice).get(URL, {"period": "11.2026"})
    assert response.json()["errors"]["period"] == ["Укажите период в виде ГГГГ-ММ, например 2026-11."]
    assert response.json()["detail"] == "Недопустимые данные."


def test_the_operator_sees_and_reviews_every_organisation(client_for, operator, history):
    _rejected, pending = history
    client = client_for(operator)
    assert client.get(URL).json()["count"] == 4
    assert accept(client, pending).json()["status"] == "accepted"


def test_a_huge_meter_filter_is_400_not_a_crash(client_for, alice, history):
    response = client_for(alice).get(URL, {"meter": 10**30})
    assert response.status_code == 400 and "meter" in response.json()["errors"]
