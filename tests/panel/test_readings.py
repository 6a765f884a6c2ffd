"""New readings (role `readings`): the review list, filters, accept, reject, bulk accept, entering a
reading for the consumer; roles, tenants and query counts."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from kabinet.core.roles import Role
from kabinet.metering.models import Meter, Reading
from tests import factories
from tests.metering.factories import MeterFactory, ReadingFactory

D = Decimal


@pytest.fixture
def meter(account):
    meter = MeterFactory(account=account, serial_number="CW-1")
    ReadingFactory(meter=meter, value=D("100"), taken_on=dt.date(2026, 10, 20))
    return meter


@pytest.fixture
def pending(meter, alice):
    return ReadingFactory(meter=meter, value=D("104.5"), taken_on=dt.date(2026, 11, 20), status=Reading.Status.NEW,
                          submitted_by=alice)


@pytest.fixture
def reviewer(org, make_staff):
    return make_staff(org, [Role.READINGS])


@pytest.fixture
def foreign_reading(other_org):
    meter = MeterFactory(account=factories.AccountFactory(organization=other_org), serial_number="FOREIGN-1")
    return ReadingFactory(meter=meter, value=D("7"), status=Reading.Status.NEW)


def _list(client, **params):
    return client.get(reverse("panel:reading_list"), params)


def test_review_list_shows_new_readings_of_my_organisations(as_user, reviewer, pending, foreign_reading):
    response = _list(as_user(reviewer))
    assert response.status_code == 200
    assert [r.pk for r in response.context["page"].object_list] == [pending.pk]
    page = response.content.decode()
    assert "CW-1" in page and "104,5" in page and "FOREIGN-1" not in page
    assert "1 строка" in page or "1 row" in page


def test_review_list_filters(as_user, reviewer, account, meter, pending):
    hot = MeterFactory(account=account, resource=Meter.Resource.HOT_WATER, service__code="hot_water",
                       service__name="Горячая вода", serial_number="HW-1")
    flagged = ReadingFactory(meter=hot, value=D("50"), status=Reading.Status.NEW, source=Reading.Source.SMS,
                             flag_high=True, taken_on=dt.date(2026, 10, 5))
    other_building = MeterFactory(account=factories.AccountFactory(organization=account.organization))
    elsewhere = ReadingFactory(meter=other_building, status=Reading.Status.NEW)
    accepted = ReadingFactory(meter=meter, value=D("90"), taken_on=dt.date(2026, 9, 20))
    client = as_user(reviewer)

    def ids(**params):
        response = _list(client, **params)
        assert response.status_code == 200
        return {r.pk for r in response.context["page"].object_list}

    assert ids() == {pending.pk, flagged.pk, elsewhere.pk}
    assert ids(flagged="yes") == {flagged.pk}
    assert ids(flagged="no") == {pending.pk, elsewhere.pk}
    assert ids(source="sms") == {flagged.pk}
    assert ids(service=hot.service_id) == {flagged.pk}
    assert ids(period="2026-10") == {flagged.pk, elsewhere.pk}
    assert ids(building=account.premises.building_id) == {pending.pk, flagged.pk}
    assert ids(status="accepted") >= {accepted.pk}
    assert pending.pk not in ids(status="accepted")
    assert ids(status="all") >= {pending.pk, accepted.pk, flagged.pk}
    response = _list(client, period="ноябрь")
    assert "YYYY-MM" in response.content.decode() or "ГГГГ-ММ" in response.content.decode()


def test_review_list_is_narrowed_by_the_switcher(as_user, org, sub_org, make_staff, pending):
    sub_meter = MeterFactory(account=factories.AccountFactory(organization=sub_org))
    sub_reading = ReadingFactory(meter=sub_meter, status=Reading.Status.NEW)
    client = as_user(make_staff(org, [Role.READINGS]))
    assert {r.pk for r in _list(client).context["page"].object_list} == {pending.pk, sub_reading.pk}
    client.post(reverse("panel:switch_organization"), {"organization": sub_org.pk})
    assert {r.pk for r in _list(client).context["page"].object_list} == {sub_reading.pk}


def test_accept(as_user, reviewer, pending):
    response = as_user(reviewer).post(reverse("panel:reading_accept", args=[pending.pk]),
                                      {"next": "/panel/readings/?status=new"})
    assert response.status_code == 302 and response["Location"] == "/panel/readings/?status=new"
    pending.refresh_from_db()
    assert (pending.status, pending.consumption, pending.reviewed_by) == ("accepted", D("4.5"), reviewer)
    assert pending.history.first().history_user == reviewer


def test_accept_twice_says_why(as_user, reviewer, pending):
    client = as_user(reviewer)
    client.post(reverse("panel:reading_accept", args=[pending.pk]))
    response = client.post(reverse("panel:reading_accept", args=[pending.pk]), follow=True)
    assert "Only a new reading" in response.content.decode() or "Принять можно только" in response.content.decode()


def test_reject_needs_a_reason_shown_next_to_the_field(as_user, reviewer, pending):
    client = as_user(reviewer)
    response = client.post(reverse("panel:reading_reject", args=[pending.pk]), {"reason": "  "})
    assert response.status_code == 400
    assert 'id="id_reason_error"' in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == Reading.Status.NEW
    response = client.post(reverse("panel:reading_reject", args=[pending.pk]), {"reason": "Фото не совпадает"})
    assert response.status_code == 302
    pending.refresh_from_db()
    assert (pending.status, pending.reject_reason) == ("rejected", "Фото не совпадает")
    assert client.get(reverse("panel:reading_reject", args=[pending.pk])).status_code == 200


def test_bulk_accept(as_user, reviewer, account, pending):
    other = MeterFactory(account=account, serial_number="CW-2")
    second = ReadingFactory(meter=other, value=D("3"), status=Reading.Status.NEW)
    response = as_user(reviewer).post(reverse("panel:reading_bulk_accept"),
                                      {"reading": [pending.pk, second.pk]}, follow=True)
    assert response.status_code == 200
    assert set(Reading.objects.filter(pk__in=[pending.pk, second.pk]).values_list("status", flat=True)) == {"accepted"}


def test_bulk_accept_with_a_foreign_reading_changes_nothing(as_user, reviewer, pending, foreign_reading):
    response = as_user(reviewer).post(reverse("panel:reading_bulk_accept"),
                                      {"reading": [pending.pk, foreign_reading.pk]})
    assert response.status_code == 404
    assert set(Reading.objects.filter(pk__in=[pending.pk, foreign_reading.pk])
               .values_list("status", flat=True)) == {"new"}


@pytest.mark.parametrize("name", ["panel:reading_accept", "panel:reading_reject"])
def test_another_organisations_reading_is_404_and_unchanged(as_user, reviewer, foreign_reading, name):
    response = as_user(reviewer).post(reverse(name, args=[foreign_reading.pk]), {"reason": "x"})
    assert response.status_code == 404
    foreign_reading.refresh_from_db()
    assert foreign_reading.status == Reading.Status.NEW


@pytest.mark.parametrize("name", ["panel:reading_list", "panel:reading_export"])
def test_roles(as_user, org, make_staff, alice, client, name):
    url = reverse(name)
    assert as_user(make_staff(org, [Role.USERS, Role.MANUAL_EDITING])).get(url).status_code == 403
    assert as_user(alice).get(url).status_code == 403
    client.logout()
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("portal:login"))


def test_actions_need_the_role(as_user, org, make_staff, alice, pending):
    for user in (make_staff(org, [Role.MANUAL_EDITING]), alice):
        client = as_user(user)
        assert client.post(reverse("panel:reading_accept", args=[pending.pk])).status_code == 403
        assert client.post(reverse("panel:reading_reject", args=[pending.pk]), {"reason": "x"}).status_code == 403
        assert client.post(reverse("panel:reading_bulk_accept"), {"reading": [pending.pk]}).status_code == 403
    pending.refresh_from_db()
    assert pending.status == Reading.Status.NEW


def test_review_list_query_count_is_constant(as_user, reviewer, account, django_assert_num_queries):
    client = as_user(reviewer)

    def add(n):
        for _ in range(n):
            meter = MeterFactory(account=factories.AccountFactory(organization=account.organization))
            ReadingFactory(meter=meter, status=Reading.Status.NEW, flag_high=True,
                           submitted_by=factories.UserFactory())

    add(2)
    client.get(reverse("panel:reading_list"))
    with django_assert_num_queries(10) as few:
        client.get(reverse("panel:reading_list"))
    add(15)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(reverse("panel:reading_list"))


# --- Entering a reading for the consumer ------------------------------------------------------------------------

def _enter(client, meter, **data):
    return client.post(reverse("panel:meter_enter_reading", args=[meter.pk]), {"mode": "reading", **data})


def test_enter_a_reading_for_the_consumer(as_user, reviewer, meter):
    response = _enter(as_user(reviewer), meter, value_T1="107,25")
    assert response.status_code == 302
    reading = Reading.objects.get(meter=meter, source=Reading.Source.STAFF)
    assert (reading.value, reading.status, reading.submitted_by) == (D("107.25"), "accepted", reviewer)


@pytest.mark.parametrize(("value", "message"), [
    ("", "Введите показание"),
    ("abc", "цифры"),
    ("99", "меньше предыдущего"),
    ("12,3,4", "один разделитель"),
])
def test_enter_a_wrong_reading_shows_the_error_next_to_the_field(as_user, reviewer, meter, value, message):
    response = _enter(as_user(reviewer), meter, value_T1=value)
    assert response.status_code == 400
    page = response.content.decode()
    error = page.split('id="id_value_T1_error">', 1)[1].split("</p>", 1)[0]
    assert message in error, error
    if value:
        assert f'value="{value}"' in page  # the entered value stays
    assert not Reading.objects.filter(source=Reading.Source.STAFF).exists()


def test_enter_a_reading_in_consumption_mode_and_rollover(as_user, reviewer, meter):
    client = as_user(reviewer)
    assert client.post(reverse("panel:meter_enter_reading", args=[meter.pk]),
                       {"mode": "consumption", "value_T1": "5"}).status_code == 302
    assert Reading.objects.get(source="staff").value == D("105")


def test_enter_a_reading_needs_the_readings_role_and_my_meter(as_user, org, make_staff, reviewer, other_org):
    foreign = MeterFactory(account=factories.AccountFactory(organization=other_org))
    assert _enter(as_user(reviewer), foreign, value_T1="1").status_code == 404
    editor = make_staff(org, [Role.MANUAL_EDITING])
    mine = MeterFactory(account=factories.AccountFactory(organization=org))
    assert _enter(as_user(editor), mine, value_T1="1").status_code == 403
    assert not Reading.objects.exists()


def test_summary_shows_readings_awaiting_review(as_user, reviewer, pending, foreign_reading):
    page = as_user(reviewer).get(reverse("panel:summary"))
    assert page.context["awaiting_review"] == 1
    assert reverse("panel:reading_list") in page.content.decode()
