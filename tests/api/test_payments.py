"""API v1 payments: pay (201 with the acquirer's URL, commission from the server), errors per item, the
history, one order's status (owner only), the staff registry as JSON and CSV; and the schema."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone

from kabinet.accounts.models import AccountLink
from kabinet.billing.services import record_payment
from kabinet.core.models import Organization
from kabinet.core.roles import Role
from kabinet.payments import services
from kabinet.payments.acquirers.base import SUCCEEDED, StatusReport
from kabinet.payments.models import CommissionRule, PaymentOrder, SandboxPayment
from tests import factories
from tests.portal.test_payments import owe

pytestmark = pytest.mark.django_db
D = Decimal
PAYMENTS = "/api/v1/payments/"
REGISTRY = "/api/v1/payments/registry/"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


@pytest.fixture
def water(db):
    return factories.OrganizationFactory(name="АО «Водоканал»", kind=Organization.Kind.SUPPLIER)


@pytest.fixture
def debt(account, water, alice):
    owe(account, water=water)
    return account


def pay_body(*lines, **extra):
    return {"items": [{"account": a.pk, "supplier": s.pk, "amount": x} for a, s, x in lines], **extra}


def test_pay_returns_the_order_with_the_acquirers_page(client_for, alice, debt, org, water):
    CommissionRule.objects.create(organization=org, acquirer="sandbox", percent=D("2"), payer_pays=True)
    response = client_for(alice).post(PAYMENTS, pay_body((debt, org, "1000"), (debt, water, 500.5),
                                                         named_period="2026-10"), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    order = PaymentOrder.objects.get()
    assert body["id"] == str(order.uuid) and body["status"] == "pending"
    assert (body["amount"], body["commission"], body["total"]) == ("1500.50", "30.63", "1531.13")  # 1 500,50 / 0,98 rounded up
    assert body["redirect_url"].startswith("http://testserver/sandbox-acquirer/")
    assert body["named_period"] == "2026-10"
    assert [(line["supplier"], line["amount"]) for line in body["lines"]] == [(org.pk, "1000.00"), (water.pk, "500.50")]


def test_totals_sent_by_the_client_are_ignored(client_for, alice, debt, org):
    body = {**pay_body((debt, org, "100")), "total": "1.00", "commission": "0"}
    response = client_for(alice).post(PAYMENTS, body, format="json")
    assert response.status_code == 201 and response.json()["total"] == "100.00"


@pytest.mark.parametrize(("amount", "fragment"), [
    ("0", "больше нуля"), ("-1", "больше нуля"), ("10.555", "два знака"), ("abc", "числом"),
    ("2000000", "1 000 000"),
])
def test_bad_amounts_are_400_with_the_item_and_nothing_is_created(client_for, alice, debt, org, amount, fragment):
    response = client_for(alice).post(PAYMENTS, pay_body((debt, org, amount)), format="json",
                                      HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 400
    body = response.json()
    assert body["errors"][0]["index"] == 0 and body["errors"][0]["field"] == "amount"
    assert body["detail"], body
    assert not PaymentOrder.objects.exists()


def test_an_empty_or_malformed_request_is_400(client_for, alice, debt):
    client = client_for(alice)
    for body in ({}, {"items": []}, {"items": [{"account": "x"}]}, {"items": [{"account": debt.pk}],
                                                                     "named_period": "октябрь"}):
        response = client.post(PAYMENTS, body, format="json")
        assert response.status_code == 400, body
        assert response.json()["detail"]
    assert not PaymentOrder.objects.exists()


def test_an_unavailable_acquirer_is_refused(client_for, alice, debt, org):
    response = client_for(alice).post(PAYMENTS, pay_body((debt, org, "10"), acquirer="bitcoin"), format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "acquirer"


def test_someone_elses_account_is_refused_like_a_missing_one(client_for, charlie, debt, org, alice):
    foreign = client_for(charlie).post(PAYMENTS, pay_body((debt, org, "10")), format="json")
    missing = client_for(charlie).post(PAYMENTS, {"items": [{"account": 999999, "supplier": org.pk,
                                                             "amount": "10"}]}, format="json")
    assert foreign.status_code == missing.status_code == 400
    assert foreign.json()["detail"] == missing.json()["detail"]
    assert not PaymentOrder.objects.exists()


def test_delegates_need_the_payments_right(client_for, bob, debt, org, alice):
    link = factories.AccountLinkFactory(user=bob, account=debt, role=AccountLink.Role.DELEGATE, can_readings=True)
    assert client_for(bob).post(PAYMENTS, pay_body((debt, org, "10")), format="json").status_code == 400
    link.can_payments = True
    link.save()
    assert client_for(bob).post(PAYMENTS, pay_body((debt, org, "10")), format="json").status_code == 201


def test_a_bank_that_does_not_answer_is_502(client_for, alice, debt, org, monkeypatch):
    def down(order, **kwargs):
        raise services.PaymentError("Банк не отвечает.")

    monkeypatch.setattr(services, "start_checkout", down)
    response = client_for(alice).post(PAYMENTS, pay_body((debt, org, "10")), format="json")
    assert response.status_code == 502 and response.json()["detail"] == "Банк не отвечает."


def test_the_status_of_an_order_follows_the_bank(client_for, alice, debt, org):
    client = client_for(alice)
    order_id = client.post(PAYMENTS, pay_body((debt, org, "250")), format="json").json()["id"]
    assert client.get(f"{PAYMENTS}{order_id}/").json()["status"] == "pending"
    order = PaymentOrder.objects.get()
    SandboxPayment.objects.filter(token=order.external_id).update(status="succeeded")
    cache.clear()  # the status is asked from the bank at most every few seconds
    body = client.get(f"{PAYMENTS}{order_id}/").json()
    assert body["status"] == "succeeded" and body["redirect_url"] is None and body["paid_at"]


@pytest.mark.parametrize("who", ["charlie", "bob", "staff"])
def test_only_the_payer_reads_an_order(client_for, alice, debt, org, charlie, bob, staff, who):
    order_id = client_for(alice).post(PAYMENTS, pay_body((debt, org, "250")), format="json").json()["id"]
    factories.AccountLinkFactory(user=bob, account=debt, role=AccountLink.Role.DELEGATE, can_payments=True)
    user = {"charlie": charlie, "bob": bob, "staff": staff}[who]
    response = client_for(user).get(f"{PAYMENTS}{order_id}/")
    assert response.status_code == 404 and response.json()["detail"]


def test_history_lists_payments_newest_first_with_sources_and_parts(client_for, alice, debt, org, charlie):
    record_payment(debt, D("200.00"), paid_on=dt.date(2026, 10, 20), source="bank")
    record_payment(debt, D("100.00"), paid_on=dt.date(2026, 11, 2), source="cash")
    response = client_for(alice).get(PAYMENTS, HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    first, second = body["results"]
    assert (first["date"], first["source"], first["source_label"]) == ("2026-11-02", "cash", "Касса")
    assert (second["amount"], second["source_label"], second["status"]) == ("200.00", "Банк", "succeeded")
    assert {part["service"] for part in second["parts"]} == {"Содержание", "Холодная вода"}
    assert second["parts"][0]["period"] == "2026-10"
    assert client_for(charlie).get(PAYMENTS).json()["count"] == 0


def test_history_of_one_account_and_of_someone_elses(client_for, alice, debt, charlie):
    record_payment(debt, D("200.00"), paid_on=dt.date(2026, 10, 20), source="bank")
    assert client_for(alice).get(PAYMENTS, {"account": debt.pk}).json()["count"] == 1
    assert client_for(charlie).get(PAYMENTS, {"account": debt.pk}).status_code == 404
    assert client_for(alice).get(PAYMENTS, {"account": "x"}).status_code == 400


# --- Registry (staff) ------------------------------------------------------------------------------------


@pytest.fixture
def paid(debt, alice, org, water):
    CommissionRule.objects.create(organization=org, acquirer="sandbox", percent=D("1"))
    order = services.create_order(alice, [(debt, org, D("1000")), (debt, water, D("500"))])
    services.start_checkout(order, return_url="http://testserver/r", callback_url="http://testserver/c")
    order.refresh_from_db()
    services.apply_report("sandbox", StatusReport(order.external_id, SUCCEEDED, order.total, str(order.uuid)))
    return order


def today():
    return f"{timezone.localdate():%Y-%m-%d}"


def test_registry_for_staff_of_the_supplier(client_for, staff, org, paid, debt):
    response = client_for(staff).get(REGISTRY, {"supplier": org.pk, "from": today(), "to": today()})
    assert response.status_code == 200
    body = response.json()
    (row,) = body["rows"]
    assert (row["account"], row["amount"], row["commission"], row["to_transfer"]) == (
        debt.number, "1000.00", "10.00", "990.00")
    assert body["totals"] == {"amount": "1000.00", "commission": "10.00", "to_transfer": "990.00"}
    assert body["date_from"] == body["date_to"] == today()


def test_registry_of_all_the_users_organisations_by_default(client_for, org, water, paid):
    user = factories.StaffMembershipFactory(organization=org, roles=[Role.ORGANIZATION]).user
    factories.StaffMembershipFactory(organization=water, user=user, roles=[Role.DATA_LOADING])
    body = client_for(user).get(REGISTRY).json()
    assert sorted(row["amount"] for row in body["rows"]) == ["1000.00", "500.00"]
    assert body["totals"]["amount"] == "1500.00"


def test_registry_as_csv(client_for, staff, org, paid, debt):
    response = client_for(staff).get(REGISTRY, {"supplier": org.pk, "format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[1][3] == debt.number and rows[-1][5:8] == ["1000,00", "10,00", "990,00"]


def test_registry_errors_are_json_even_for_csv(client_for, staff, other_staff, org, paid):
    bad = client_for(staff).get(REGISTRY, {"from": "25.11.2026", "format": "csv"})
    assert bad.status_code == 400 and bad.json()["detail"].startswith("from")
    backwards = client_for(staff).get(REGISTRY, {"from": "2026-11-20", "to": "2026-11-01"})
    assert backwards.status_code == 400
    foreign = client_for(other_staff).get(REGISTRY, {"supplier": org.pk, "format": "csv"})
    assert foreign.status_code == 404 and foreign.json()["detail"]


def test_registry_is_refused_without_a_money_role_and_to_consumers(client_for, org, alice, paid):
    reader = factories.StaffMembershipFactory(organization=org, roles=[Role.READINGS]).user
    for user in (reader, alice):
        response = client_for(user).get(REGISTRY)
        assert response.status_code == 403 and response.json()["detail"]


def test_the_schema_documents_the_payments(api, db):
    paths = api.get("/api/v1/schema/", {"format": "json"}).json()["paths"]
    assert {"/api/v1/payments/", "/api/v1/payments/{uuid}/", "/api/v1/payments/registry/"} <= set(paths)
    assert "post" in paths["/api/v1/payments/"] and "get" in paths["/api/v1/payments/"]
