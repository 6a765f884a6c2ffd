"""«Реестр платежей» in the panel: card payments per supplier over days with totals, CSV and XLSX; only
the staff member's own organisations, with a money-report role."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from kabinet.core.models import Organization
from kabinet.core.roles import Role
from kabinet.payments import services
from kabinet.payments.acquirers.base import SUCCEEDED, StatusReport
from kabinet.payments.models import CommissionRule, PaymentOrder
from tests import factories
from tests.portal.test_payments import owe

pytestmark = pytest.mark.django_db
D = Decimal
REGISTRY = reverse("panel:payment_registry")
EXPORT = reverse("panel:payment_registry_export")


def pay(user, lines):
    """A card payment of `lines` [(account, supplier, amount)] that the bank confirmed."""
    order = services.create_order(user, [(a, s, D(x)) for a, s, x in lines])
    services.start_checkout(order, return_url="http://testserver/r", callback_url="http://testserver/c")
    order.refresh_from_db()
    services.apply_report("sandbox", StatusReport(order.external_id, SUCCEEDED, order.total, str(order.uuid)))
    return order


@pytest.fixture
def water(db):
    return factories.OrganizationFactory(name="АО «Водоканал»", kind=Organization.Kind.SUPPLIER)


@pytest.fixture
def paid(account, alice, org, water):
    """alice paid 1 000,00 to the organisation (1 % kept back) and 500,00 to the water company."""
    owe(account, water=water)
    CommissionRule.objects.create(organization=org, acquirer="sandbox", percent=D("1"))
    return pay(alice, [(account, org, "1000.00"), (account, water, "500.00")])


@pytest.fixture
def accountant(make_staff, org):
    return make_staff(org, [Role.DATA_LOADING])


def today_range():
    today = timezone.localdate()
    return {"date_from": f"{today:%Y-%m-%d}", "date_to": f"{today:%Y-%m-%d}"}


def test_the_registry_lists_the_suppliers_payments_with_totals(as_user, accountant, org, paid, account):
    response = as_user(accountant).get(REGISTRY, {"supplier": org.pk, **today_range()})
    page = response.content.decode()
    assert response.status_code == 200
    body = page[page.index("<tbody>"):page.index("</tbody>")]
    assert body.count("<tr>") == 1  # the water company's line is not the organisation's
    assert account.number in body
    for figure in ("1\u202f000,00", "10,00", "990,00"):  # 1 % of 1 500,00 shared pro rata: 10,00 + 5,00
        assert figure in body, figure
    foot = page[page.index("<tfoot>"):page.index("</tfoot>")]
    assert "990,00" in foot
    assert f"{EXPORT}?" in page and "file_format=xlsx" in page


def test_defaults_to_the_current_month_and_the_users_organisation(as_user, accountant, paid, account):
    page = as_user(accountant).get(REGISTRY).content.decode()
    assert account.number in page


def test_days_outside_the_range_are_not_listed(as_user, accountant, org, paid, account):
    PaymentOrder.objects.update(paid_at=timezone.now() - dt.timedelta(days=40))
    page = as_user(accountant).get(REGISTRY, {"supplier": org.pk, **today_range()}).content.decode()
    assert account.number not in page.split("</form>", 1)[1]


def test_a_range_given_backwards_is_turned_round(as_user, accountant, org, paid, account):
    today = timezone.localdate()
    page = as_user(accountant).get(REGISTRY, {
        "supplier": org.pk, "date_from": f"{today:%Y-%m-%d}",
        "date_to": f"{today - dt.timedelta(days=3):%Y-%m-%d}"}).content.decode()
    assert account.number in page


def test_the_water_companys_staff_see_their_line_only(as_user, make_staff, water, paid, account):
    staff = make_staff(water, [Role.ORGANIZATION])
    page = as_user(staff).get(REGISTRY, {"supplier": water.pk, **today_range()}).content.decode()
    body = page[page.index("<tbody>"):page.index("</tbody>")]
    assert body.count("<tr>") == 1 and "500,00" in body and "1\u202f000,00" not in body


def test_csv_download(as_user, accountant, org, paid, account):
    response = as_user(accountant).get(EXPORT, {"supplier": org.pk, **today_range(), "file_format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert ".csv" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    header, row, total = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert header[0] == "Дата оплаты" and header[7] == "К перечислению"
    assert row[3] == account.number and row[5:8] == ["1000,00", "10,00", "990,00"]
    assert total[5:8] == ["1000,00", "10,00", "990,00"]


def test_xlsx_download(as_user, accountant, org, paid, account):
    response = as_user(accountant).get(EXPORT, {"supplier": org.pk, **today_range(), "file_format": "xlsx"})
    assert "spreadsheetml" in response["Content-Type"]
    rows = list(load_workbook(io.BytesIO(response.content), read_only=True).active.iter_rows(values_only=True))
    assert rows[1][3] == account.number and D(str(rows[1][7])) == D("990.00")
    assert D(str(rows[-1][5])) == D("1000")


def test_staff_of_another_organisation_cannot_choose_it(as_user, make_staff, other_org, org, paid, account):
    stranger = make_staff(other_org, [Role.DATA_LOADING, Role.ORGANIZATION])
    client = as_user(stranger)
    response = client.get(REGISTRY, {"supplier": org.pk, **today_range()})
    assert response.status_code == 400 and account.number not in response.content.decode()
    export = client.get(EXPORT, {"supplier": org.pk, **today_range()})
    assert account.number not in export.content.decode("utf-8-sig")


def test_staff_without_a_money_report_role_are_refused(as_user, make_staff, org, paid):
    reader = make_staff(org, [Role.READINGS, Role.APPEALS])
    client = as_user(reader)
    assert client.get(REGISTRY).status_code == 403
    assert client.get(EXPORT).status_code == 403
    assert reverse("panel:payment_registry") not in client.get(reverse("panel:summary")).content.decode()


def test_the_menu_offers_the_registry(as_user, accountant):
    assert REGISTRY in as_user(accountant).get(reverse("panel:summary")).content.decode()


def test_consumers_are_refused(login_consumer, alice):
    assert login_consumer(alice).get(REGISTRY).status_code == 403


@pytest.fixture
def login_consumer(client):
    def login(user):
        client.force_login(user)
        return client
    return login


def test_the_isolation_world_has_a_registry_row_for_its_own_staff(as_user, make_staff, org, paid, account):
    """The matrix checks strangers against A's registry: make sure the registry does show A's row to A."""
    page = as_user(make_staff(org, [Role.ORGANIZATION])).get(EXPORT, {"file_format": "csv"}).content.decode("utf-8-sig")
    assert account.number in page
