"""Service tests: preview and submit (all or nothing, supersede, confirmations), staff actions, export."""

import datetime as dt
from decimal import Decimal

import pytest

from kabinet.accounts.models import AccountLink
from kabinet.metering import services
from kabinet.metering.models import Meter, Reading, ReadingSettings, SealRecord, ServiceLimit
from kabinet.metering.services import ReadingEntry, ReadingsRejected
from tests import factories
from tests.metering.factories import MeterFactory, ReadingFactory

D = Decimal
TODAY = dt.date(2026, 11, 20)
NOVEMBER = dt.date(2026, 11, 1)
PORTAL = Reading.Source.PORTAL


@pytest.fixture
def meter(account):
    """Cold water on the demo-like account (2 residents: limit 20 m³), last accepted 100 on 20.10."""
    meter = MeterFactory(account=account)
    ReadingFactory(meter=meter, value=D("100"), taken_on=dt.date(2026, 10, 20))
    return meter


@pytest.fixture
def hot(account, meter):
    hot = MeterFactory(account=account, resource=Meter.Resource.HOT_WATER,
                       service__code="hot_water", service__name="Горячая вода")
    ReadingFactory(meter=hot, value=D("50"), taken_on=dt.date(2026, 10, 20))
    return hot


@pytest.fixture
def electricity(account):
    """A three-zone meter with the previous readings of seed 003's screen."""
    meter = MeterFactory(account=account, resource=Meter.Resource.ELECTRICITY, zone_count=3, digits=6, decimals=1,
                         service__code="electricity", service__name="Электроэнергия", service__unit="kWh")
    for zone, value in (("T1", "30113"), ("T2", "1185"), ("T3", "23765")):
        ReadingFactory(meter=meter, zone=zone, value=D(value), taken_on=dt.date(2026, 10, 20))
    return meter


def submit(user, entries, **kwargs):
    kwargs.setdefault("today", TODAY)
    return services.submit_readings(entries, acting_user=user, source=kwargs.pop("source", PORTAL), **kwargs)


def entry(meter, value, zone="T1", mode="reading"):
    return {"meter": meter.pk, "zone": zone, "value": value, "mode": mode}


def new_readings():
    return Reading.objects.exclude(status=Reading.Status.ACCEPTED)


# --- preview ----------------------------------------------------------------------------------------------


def test_preview_shows_previous_value_and_consumption_and_stores_nothing(alice, account, meter):
    preview = services.preview_readings(account, [entry(meter, "112,5")], today=TODAY)
    assert preview.ok and not preview.confirmations and preview.period == NOVEMBER
    (zone,) = preview.meters[0].zones
    assert (zone.previous_value, zone.previous_date) == (D("100"), dt.date(2026, 10, 20))
    assert (zone.value, zone.consumption) == (D("112.5"), D("12.5"))
    assert not new_readings().exists()


def test_domain_three_zone_example(alice, electricity):
    entries = [entry(electricity, "30203", "T1"), entry(electricity, "1245", "T2"), entry(electricity, "23885", "T3")]
    preview = services.preview_readings(services_scope(alice), entries, today=TODAY)
    assert [z.consumption for z in preview.meters[0].zones] == [D("90"), D("60"), D("120")]
    assert [z.label for z in preview.meters[0].zones] == ["Peak", "Night", "Half-peak"]
    assert preview.meters[0].consumption == D("270")
    assert preview.ok and not preview.confirmations  # 270 kWh ≤ 2 residents × 200 kWh


def services_scope(user):
    from kabinet.metering.selectors import submittable_meters

    return submittable_meters(user)


def test_every_zone_is_required_and_wrong_zones_are_refused(alice, electricity):
    preview = services.preview_readings(services_scope(alice), [
        entry(electricity, "30203", "T1"), entry(electricity, "23885", "T3"), entry(electricity, "1", "T4"),
    ], today=TODAY)
    errors = preview.as_api_errors()
    assert {"index": 2, "field": "zone", "code": "zone", "message": errors[0]["message"]} in errors
    assert "zones of this meter are T1, T2, T3; T4 is not" in errors[0]["message"]
    missing = [e for e in preview.errors if e.code == "required"]
    assert len(missing) == 1 and missing[0].zone == "T2" and missing[0].index == 0
    assert preview.errors_by_key()[f"{electricity.pk}:T2"] == [missing[0].message]


def test_empty_value_points_to_zero_consumption(alice, meter):
    preview = services.preview_readings(services_scope(alice), [entry(meter, " ")], today=TODAY)
    (error,) = preview.as_api_errors()
    assert error["index"] == 0 and error["field"] == "value" and error["code"] == "required"
    assert "enter 0 as consumption" in error["message"]


# --- submit -----------------------------------------------------------------------------------------------


def test_submit_stores_a_new_reading_with_an_audit_trail(alice, meter):
    result = submit(alice, [entry(meter, "112,5")])
    (reading,) = result.readings
    reading.refresh_from_db()
    assert reading.status == Reading.Status.NEW and reading.source == PORTAL and reading.submitted_by == alice
    assert (reading.value, reading.consumption, reading.period, reading.taken_on) == (
        D("112.5"), D("12.5"), NOVEMBER, TODAY)
    assert reading.previous.value == D("100") and reading.flags == []
    assert reading.history.get().history_user == alice


def test_values_as_decimal_and_entries_as_dataclasses(alice, meter):
    result = submit(alice, [ReadingEntry(meter=meter.pk, value=D("101.250"))])
    assert result.readings[0].consumption == D("1.25")


def test_consumption_mode_zero_keeps_the_old_reading(alice, meter, hot):
    result = submit(alice, [entry(meter, "0", mode="consumption"), entry(hot, "3,5", mode="consumption")])
    assert [(r.value, r.consumption) for r in result.readings] == [(D("100"), D("0")), (D("53.5"), D("3.5"))]


def test_consumption_mode_needs_a_previous_reading(alice, account):
    fresh = MeterFactory(account=account)
    with pytest.raises(ReadingsRejected) as rejected:
        submit(alice, [entry(fresh, "5", mode="consumption")])
    assert rejected.value.as_api_errors()[0]["code"] == "no_previous"


def test_all_or_nothing(alice, meter, hot):
    with pytest.raises(ReadingsRejected) as rejected:
        submit(alice, [entry(meter, "105"), entry(hot, "5x")])
    assert rejected.value.as_api_errors() == [{
        "index": 1, "field": "value", "code": "not_a_number",
        "message": "Use digits only, with a comma or a point before the decimals, e.g. 12345,6.",
    }]
    assert not new_readings().exists()


def test_resubmission_supersedes_the_pending_reading(alice, meter):
    first = submit(alice, [entry(meter, "105")]).readings[0]
    second = submit(alice, [entry(meter, "106")])
    first.refresh_from_db()
    assert first.status == Reading.Status.SUPERSEDED and second.superseded == [first]
    assert Reading.objects.filter(meter=meter, status=Reading.Status.NEW).get().value == D("106")
    assert second.readings[0].consumption == D("6")  # still from the accepted reading, not the superseded one
    assert [h.status for h in first.history.order_by("history_id")] == ["new", "superseded"]


def test_the_same_zone_twice_is_refused(alice, meter):
    with pytest.raises(ReadingsRejected) as rejected:
        submit(alice, [entry(meter, "105"), entry(meter, "106")])
    assert rejected.value.as_api_errors()[0]["code"] == "zone_repeated"


def test_rollover_needs_confirmation(alice, account):
    meter = MeterFactory(account=account, digits=6, decimals=0,
                         service__code="heat", resource=Meter.Resource.HEAT)
    ReadingFactory(meter=meter, value=D("999999"))
    preview = services.preview_readings(account, [entry(meter, "000123")], today=TODAY)
    assert preview.ok and preview.needs_rollover_confirmation and not preview.can_submit()
    assert preview.meters[0].zones[0].consumption == D("124")
    assert "(999\u202f999)" in preview.confirmations[0].message
    with pytest.raises(ReadingsRejected) as rejected:
        submit(alice, [entry(meter, "000123")])
    assert rejected.value.as_api_errors()[0]["code"] == "rollover"
    reading = submit(alice, [entry(meter, "000123")], confirm_rollover=True).readings[0]
    assert reading.flag_rollover and reading.consumption == D("124") and reading.value == D("123")


def test_too_many_digits_for_the_meter(alice, meter):
    with pytest.raises(ReadingsRejected) as rejected:
        submit(alice, [entry(meter, "123456")])
    assert "at most 5 digits" in rejected.value.message


def test_limit_in_confirm_mode_needs_confirmation_then_flags(alice, meter):
    preview = services.preview_readings(services_scope(alice), [entry(meter, "125")], today=TODAY)
    assert preview.needs_limit_confirmation and "above the usual limit of 20" in preview.confirmations[0].message
    with pytest.raises(ReadingsRejected):
        submit(alice, [entry(meter, "125")])
    reading = submit(alice, [entry(meter, "125")], confirm_limit=True).readings[0]
    assert reading.flag_over_limit and reading.needs_review


def test_limit_in_refuse_mode_names_the_limit_and_the_office(alice, meter, org):
    org.phone = "+7 3842 00-00-00"
    org.save()
    ReadingSettings.objects.create(organization=org, limit_mode=ReadingSettings.LimitMode.REFUSE)
    with pytest.raises(ReadingsRejected) as rejected:
        submit(alice, [entry(meter, "125")], confirm_limit=True)
    message = rejected.value.message
    assert "above the limit of 20\u00a0м³" in message and "10\u00a0м³ per resident, residents: 2" in message
    assert "at the office or by phone +7 3842 00-00-00" in message
    assert not new_readings().exists()


def test_limit_counts_the_flat_per_service_and_can_be_overridden(alice, account, meter, org):
    kitchen = MeterFactory(account=account)  # a second cold water meter of the same flat and service
    ReadingFactory(meter=kitchen, value=D("10"))
    preview = services.preview_readings(account, [entry(meter, "112"), entry(kitchen, "19")], today=TODAY)
    assert preview.needs_limit_confirmation  # 12 + 9 = 21 > 20
    ServiceLimit.objects.create(settings=services.get_reading_settings(org), service=meter.service,
                                per_resident=D("15"))
    assert services.preview_readings(account, [entry(meter, "112"), entry(kitchen, "19")], today=TODAY).can_submit()


def test_submission_window(alice, meter, org):
    ReadingSettings.objects.create(organization=org, window_start_day=15, window_end_day=25)
    with pytest.raises(ReadingsRejected) as rejected:
        submit(alice, [entry(meter, "105")], today=dt.date(2026, 11, 26))
    assert rejected.value.as_api_errors()[0] == {
        "index": None, "field": None, "code": "window_closed",
        "message": "Readings are accepted from the 15 to the 25 day of the month. Submission opens on 15.12.2026.",
    }
    assert not new_readings().exists()
    assert submit(alice, [entry(meter, "105")], today=dt.date(2026, 11, 25)).readings


def test_only_the_current_period_can_be_entered(alice, meter):
    with pytest.raises(ReadingsRejected) as rejected:
        submit(alice, [{**entry(meter, "105"), "period": dt.date(2026, 10, 1)}])
    assert rejected.value.as_api_errors()[0]["field"] == "period"
    with pytest.raises(ReadingsRejected):
        submit(alice, [{**entry(meter, "105"), "period": "garbage"}])
    assert submit(alice, [{**entry(meter, "105"), "period": "2026-11"}]).readings


def test_readings_after_the_cutoff_count_for_the_next_period(alice, meter):
    reading = submit(alice, [entry(meter, "105")], today=dt.date(2026, 11, 26)).readings[0]
    assert reading.period == dt.date(2026, 12, 1)


@pytest.mark.parametrize("change, code", [
    ({"status": Meter.Status.RETIRED}, "meter_not_found"),  # retired meters leave the consumer's scope
    ({"is_registered": False}, "meter_not_found"),
])
def test_meters_out_of_use_are_refused(alice, meter, change, code):
    Meter.objects.filter(pk=meter.pk).update(**change)
    with pytest.raises(ReadingsRejected) as rejected:
        submit(alice, [entry(meter, "105")])
    assert rejected.value.as_api_errors()[0]["code"] == code


def test_a_meter_in_scope_but_retired_says_so(alice, account, meter):
    Meter.objects.filter(pk=meter.pk).update(status=Meter.Status.REPLACED)
    preview = services.preview_readings(Meter.objects.filter(account=account), [entry(meter, "105")], today=TODAY)
    assert preview.errors[0].code == "meter_retired"


def test_consumers_cannot_submit_for_house_meters(alice, staff, account, org):
    house = MeterFactory(account=None, building=account.premises.building, organization=org)
    preview = services.preview_readings(Meter.objects.filter(pk=house.pk), [entry(house, "5")], today=TODAY)
    assert preview.errors[0].code == "meter_collective"
    with pytest.raises(ReadingsRejected):
        submit(alice, [entry(house, "5")])
    assert submit(staff, [entry(house, "5")], source=Reading.Source.STAFF).readings


def test_it_validates_ownership(alice, bob, charlie, account, meter):
    for user in (bob, charlie):
        with pytest.raises(ReadingsRejected) as rejected:
            submit(user, [entry(meter, "105")])
        assert rejected.value.as_api_errors()[0] == {"index": 0, "field": "meter", "code": "meter_not_found",
                                                     "message": "No such meter."}
    link = AccountLink.objects.create(user=bob, account=account, role=AccountLink.Role.DELEGATE)
    with pytest.raises(ReadingsRejected):
        submit(bob, [entry(meter, "105")])  # "view" is not enough
    link.can_readings = True
    link.save()
    assert submit(bob, [entry(meter, "105")]).readings[0].submitted_by == bob
    assert Reading.objects.filter(status=Reading.Status.NEW).count() == 1


def test_soft_warnings_flag_only(alice, account, meter, hot):
    for month, (cold_value, hot_value) in zip(range(4, 10), [(10, 52), (12, 54), (14, 56), (16, 58), (18, 60),
                                                               (20, 62)], strict=True):
        for m, value in ((meter, cold_value), (hot, hot_value)):
            ReadingFactory(meter=m, value=D(value), consumption=D(2), taken_on=dt.date(2026, month, 20))
    # October: cold 100 (consumption unknown), hot 50; now cold +1, hot +8 (4 × the 2 m³ average).
    Reading.objects.filter(taken_on=dt.date(2026, 10, 20)).update(consumption=D(2))
    result = submit(alice, [entry(meter, "101"), entry(hot, "58")])
    cold_reading, hot_reading = result.readings
    assert hot_reading.flag_high and hot_reading.flag_hot_above_cold and not cold_reading.flag_high
    codes = {w.code for w in result.preview.warnings}
    assert codes == {"high", "hot_above_cold"}


def test_zero_for_three_months_is_flagged(alice, meter):
    for month in (9, 10):
        Reading.objects.filter(meter=meter).update(consumption=D(0))
        ReadingFactory(meter=meter, value=D("100"), consumption=D(0), taken_on=dt.date(2026, month, 21))
    assert submit(alice, [entry(meter, "100")]).readings[0].flag_zero


def test_expired_verification_is_a_warning(alice, meter):
    Meter.objects.filter(pk=meter.pk).update(verification_due=dt.date(2026, 1, 1))
    result = submit(alice, [entry(meter, "101")])
    assert result.readings[0].flag_verification_expired
    assert "01.01.2026" in result.preview.warnings[0].message


def test_sms_values_in_zone_order(alice, account, meter, electricity):
    # Meters by service name (Холодная вода, Электроэнергия), then zones T1, T2, T3.
    entries = services.entries_for_account(account, ["101", "30203", "1245", "23885"])
    assert [(e.meter, e.zone) for e in entries] == [
        (meter.pk, "T1"), (electricity.pk, "T1"), (electricity.pk, "T2"), (electricity.pk, "T3")]
    with pytest.raises(services.MeteringError, match=r"\(4 in all\). You sent 1"):
        services.entries_for_account(account, ["1"])
    assert len(submit(alice, entries, source=Reading.Source.SMS).readings) == 4


# --- staff ------------------------------------------------------------------------------------------------


def test_accept_and_reject(alice, staff, meter):
    reading = submit(alice, [entry(meter, "105")]).readings[0]
    accepted = services.accept_reading(reading.pk, acting_user=staff)
    assert accepted.status == Reading.Status.ACCEPTED and accepted.reviewed_by == staff
    with pytest.raises(services.MeteringError, match="Only a new reading"):
        services.accept_reading(reading, acting_user=staff)
    with pytest.raises(services.MeteringError, match="reason"):
        services.reject_reading(reading, "  ", acting_user=staff)
    rejected = services.reject_reading(reading, "Фото счётчика не совпадает", acting_user=staff)
    assert rejected.status == Reading.Status.REJECTED and rejected.reject_reason == "Фото счётчика не совпадает"
    assert rejected.history.first().history_user == staff


def test_staff_of_another_organisation_cannot_review(alice, other_staff, meter):
    reading = submit(alice, [entry(meter, "105")]).readings[0]
    for action in (lambda: services.accept_reading(reading, acting_user=other_staff),
                   lambda: services.reject_reading(reading, "no", acting_user=other_staff),
                   lambda: services.set_seal(meter, "A1", acting_user=other_staff),
                   lambda: services.retire_meter(meter, acting_user=other_staff)):
        with pytest.raises(services.MeteringError, match="No such meter or reading"):
            action()
    reading.refresh_from_db()
    assert reading.status == Reading.Status.NEW
    with pytest.raises(ReadingsRejected):
        services.enter_reading_for_consumer(meter, ["106"], acting_user=other_staff, today=TODAY)


def test_staff_enter_a_reading_accepted_ignoring_window_and_limit(staff, org, meter):
    ReadingSettings.objects.create(organization=org, window_start_day=1, window_end_day=2,
                                   limit_mode=ReadingSettings.LimitMode.REFUSE)
    result = services.enter_reading_for_consumer(meter, {"T1": "150"}, acting_user=staff, today=TODAY)
    (reading,) = result.readings
    assert (reading.status, reading.source, reading.consumption) == ("accepted", "staff", D("50"))
    assert reading.flag_over_limit


def test_replace_meter(alice, staff, account, meter):
    pending = submit(alice, [entry(meter, "104")]).readings[0]
    new = services.replace_meter(meter, acting_user=staff, final_values=["105,5"], serial_number="N-1",
                                 replaced_on=TODAY, seal_number="S-77", verification_due=dt.date(2032, 1, 1))
    meter.refresh_from_db()
    assert meter.status == Meter.Status.REPLACED and meter.replaced_by == new and meter.retired_on == TODAY
    final = Reading.objects.get(meter=meter, status=Reading.Status.ACCEPTED, taken_on=TODAY)
    assert (final.value, final.consumption, final.source) == (D("105.5"), D("5.5"), "staff")
    pending.refresh_from_db()
    assert pending.status == Reading.Status.SUPERSEDED
    initial = Reading.objects.get(meter=new)
    assert (initial.value, initial.consumption, initial.status) == (D("0"), None, "accepted")
    assert (new.account, new.service, new.seal_number) == (account, meter.service, "S-77")
    assert SealRecord.objects.get(meter=new).seal_number == "S-77"
    # The consumer now submits for the new meter from its initial reading.
    assert submit(alice, [entry(new, "3")]).readings[0].consumption == D("3")
    with pytest.raises(services.MeteringError, match="Only an active meter"):
        services.replace_meter(meter, acting_user=staff, final_values=["106"], serial_number="N-2")


def test_replace_meter_refuses_a_final_reading_below_the_previous(staff, meter):
    with pytest.raises(services.MeteringError) as error:
        services.replace_meter(meter, acting_user=staff, final_values=["99"], serial_number="N-1")
    assert error.value.issues[0].code == "below_previous"
    assert Meter.objects.count() == 1 and Meter.objects.get().status == Meter.Status.ACTIVE


def test_retire_meter_and_seals(staff, meter):
    first = services.set_seal(meter, "A-1", acting_user=staff, sealed_on=dt.date(2026, 1, 10))
    services.set_seal(meter, "A-2", acting_user=staff, sealed_on=dt.date(2026, 6, 1), note="после поверки")
    first.refresh_from_db()
    assert first.removed_on == dt.date(2026, 6, 1)
    assert list(meter.seals.values_list("seal_number", flat=True)) == ["A-1", "A-2"]
    services.retire_meter(meter, acting_user=staff, retired_on=TODAY, final_values=["110"])
    meter.refresh_from_db()
    assert meter.status == Meter.Status.RETIRED and meter.seal_number == "A-2"
    assert [h.history_user for h in meter.history.all()[:3]] == [staff, staff, staff]


def test_export_only_new_since_the_last_export(alice, staff, other_staff, org, meter, hot):
    submit(alice, [entry(meter, "105")])
    log, rows = services.export_readings(org, NOVEMBER, acting_user=staff)
    assert log.rows == 1 and rows[0]["value"] == D("105") and rows[0]["account"] == "1000200"
    submit(alice, [entry(hot, "51")])
    _log, rows = services.export_readings(org, NOVEMBER, acting_user=staff)
    assert [r["meter"] for r in rows] == [hot.serial_number]
    _log, rows = services.export_readings(org, NOVEMBER, acting_user=staff, only_new=False)
    assert len(rows) == 2
    with pytest.raises(services.MeteringError):
        services.export_readings(org, NOVEMBER, acting_user=other_staff)


def test_settings_are_created_with_defaults_on_first_use(org):
    settings = services.get_reading_settings(org)
    assert (settings.cutoff_day, settings.limit_mode, settings.water_limit, settings.electricity_limit,
            settings.high_factor, settings.window_start_day) == (25, "confirm", D("10"), D("200"), D("3"), None)
    assert services.get_reading_settings(org) == settings
    assert factories.OrganizationFactory().pk != org.pk


def test_messages_are_in_russian_for_russian_consumers(alice, meter, org):
    from django.utils import translation

    ReadingSettings.objects.create(organization=org, window_start_day=15, window_end_day=25)
    with translation.override("ru"), pytest.raises(ReadingsRejected) as rejected:
        submit(alice, [entry(meter, "12,3,4")], today=dt.date(2026, 11, 26))
    assert [e["message"] for e in rejected.value.as_api_errors()] == [
        "Показания принимаются с 15 по 25 число месяца. Приём откроется 15.12.2026.",
        "Используйте только один разделитель дробной части — запятую или точку, например 12345,6.",
    ]
