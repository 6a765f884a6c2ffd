"""«Расчёт» in the panel: starting a run (a task with progress), the run's page and its htmx fragment,
the history, the monthly schedule and closing a period — roles, scope, and nothing changed when refused."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from kabinet.billing.models import BillingPeriod, BillingRun, BillingSchedule
from kabinet.core.money import add_months, period_start
from kabinet.core.roles import Role
from kabinet.registry.models import Service
from tests import factories
from tests.billing.factories import TariffFactory

OCT = dt.date(2026, 10, 1)


@pytest.fixture
def accountant(org, make_staff):
    return make_staff(org, [Role.DATA_LOADING])


@pytest.fixture
def billed(org):
    service = factories.ServiceFactory(organization=org, method=Service.Method.AREA, unit="м²")
    TariffFactory(service=service, price=Decimal("31.40"))
    factories.AccountFactory(organization=org, number="7000001")
    factories.AccountFactory(organization=org, number="7000002")
    return service


def _start(client, org, period="2026-10"):
    return client.post(reverse("panel:billing_runs"), {"organization": str(org.pk), "period": period})


def test_start_a_run_and_follow_it(accountant, as_user, org, billed, django_capture_on_commit_callbacks):
    client = as_user(accountant)
    with django_capture_on_commit_callbacks(execute=True):
        response = _start(client, org)
    run = BillingRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("panel:billing_run_detail",
                                                                            kwargs={"pk": run.pk})
    assert (run.status, run.period, run.started_by, run.done, run.total) == ("done", OCT, accountant, 2, 2)
    page = client.get(response["Location"]).content.decode()
    assert "410,04" in page and "hx-trigger" not in page and 'http-equiv="refresh"' not in page
    history = client.get(reverse("panel:billing_runs")).content.decode()
    assert "10.2026" in history and "100 %" in history


def test_an_active_run_polls_and_refreshes(accountant, as_user, org, billed):
    run = BillingRun.objects.create(organization=org, period=OCT, status=BillingRun.Status.RUNNING,
                                    started_at=timezone.now())
    client = as_user(accountant)
    url = reverse("panel:billing_run_detail", kwargs={"pk": run.pk})
    page = client.get(url).content.decode()
    assert 'hx-trigger="every 2s"' in page and '<noscript><meta http-equiv="refresh"' in page
    fragment = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith('<div id="run-status"') and "<html" not in fragment
    assert 'http-equiv="refresh"' in client.get(reverse("panel:billing_runs")).content.decode()


def test_a_closed_period_is_refused_in_words(accountant, as_user, org, billed):
    BillingPeriod.objects.create(organization=org, period=OCT, status=BillingPeriod.Status.CLOSED)
    response = _start(as_user(accountant), org)
    assert response.status_code == 400 and not BillingRun.objects.exists()
    assert "10.2026" in response.content.decode()


def test_roles(org, make_staff, as_user, alice, client, billed):
    for roles in ([Role.READINGS], [Role.ORGANIZATION]):
        staff = as_user(make_staff(org, roles))
        assert staff.get(reverse("panel:billing_runs")).status_code == 403
        assert _start(staff, org).status_code == 403
    consumer = as_user(alice)
    assert consumer.get(reverse("panel:billing_runs")).status_code == 403
    assert _start(consumer, org).status_code == 403
    client.logout()
    for name in ("panel:billing_runs", "panel:billing_close_period"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response["Location"].startswith(reverse("portal:login"))
    assert not BillingRun.objects.exists()


def test_other_organisation_staff_change_nothing(org, other_org, make_staff, as_user, billed):
    run = BillingRun.objects.create(organization=org, period=OCT, status=BillingRun.Status.DONE)
    client = as_user(make_staff(other_org, [Role.DATA_LOADING]))
    assert client.get(reverse("panel:billing_run_detail", kwargs={"pk": run.pk})).status_code == 404
    assert "ООО «УК Пример»" not in client.get(reverse("panel:billing_runs")).content.decode()
    assert _start(client, org).status_code == 400
    assert client.post(reverse("panel:billing_close_period"), {
        "organization": str(org.pk), "period": "2026-10", "confirm": "on"}).status_code == 400
    assert client.post(reverse("panel:billing_schedule"), {
        "organization": str(org.pk), "close_day": "26", "month": "current"}).status_code == 400
    assert BillingRun.objects.count() == 1 and not BillingPeriod.objects.exists()
    assert not BillingSchedule.objects.exists()


def test_close_a_period_with_confirmation(accountant, as_user, org, billed):
    client = as_user(accountant)
    url = reverse("panel:billing_close_period")
    page = client.get(url, {"organization": org.pk, "period": "2026-10"}).content.decode()
    assert 'value="2026-10"' in page and "cannot be undone" in page or "нельзя отменить" in page
    response = client.post(url, {"organization": str(org.pk), "period": "2026-10"})
    assert response.status_code == 400 and not BillingPeriod.objects.exists()  # not confirmed
    response = client.post(url, {"organization": str(org.pk), "period": "2026-10", "confirm": "on"})
    assert response.status_code == 302
    period = BillingPeriod.objects.get()
    assert period.is_closed and period.closed_by == accountant


def test_a_future_month_or_a_running_one_is_not_closed(accountant, as_user, org, billed):
    client = as_user(accountant)
    url = reverse("panel:billing_close_period")
    future = add_months(period_start(timezone.localdate()), 1)
    assert client.post(url, {"organization": str(org.pk), "period": f"{future:%Y-%m}",
                             "confirm": "on"}).status_code == 400
    BillingRun.objects.create(organization=org, period=OCT, status=BillingRun.Status.RUNNING)
    assert client.post(url, {"organization": str(org.pk), "period": "2026-10", "confirm": "on"}).status_code == 400
    assert not BillingPeriod.objects.exists()


def test_schedule(accountant, as_user, org):
    client = as_user(accountant)
    response = client.post(reverse("panel:billing_schedule"), {
        "organization": str(org.pk), "close_day": "26", "month": "current"})
    assert response.status_code == 302
    assert BillingSchedule.objects.get(organization=org).close_day == 26
    assert client.post(reverse("panel:billing_schedule"), {
        "organization": str(org.pk), "close_day": "31", "month": "current"}).status_code == 400
    client.post(reverse("panel:billing_schedule"), {"organization": str(org.pk), "close_day": "", "month": "current"})
    assert BillingSchedule.objects.get(organization=org).close_day is None


def test_runs_page_queries_are_constant(accountant, as_user, org, billed):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = as_user(accountant)
    client.get(reverse("panel:billing_runs"))
    BillingRun.objects.create(organization=org, period=OCT, status=BillingRun.Status.DONE)
    with CaptureQueriesContext(connection) as first:
        client.get(reverse("panel:billing_runs"))
    for month in range(1, 10):
        BillingRun.objects.create(organization=org, period=dt.date(2026, month, 1), status=BillingRun.Status.DONE)
        BillingPeriod.objects.create(organization=org, period=dt.date(2026, month, 1))
    with CaptureQueriesContext(connection) as second:
        client.get(reverse("panel:billing_runs"))
    assert len(second) == len(first)
