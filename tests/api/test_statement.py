"""GET /api/v1/accounts/{id}/statement/: who may read it (as the account detail), the periods and their
lines as `billing.statement.account_statement` gives them, the `from`/`to` checks, the query count."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from kabinet.accounts.models import AccountLink
from kabinet.billing import services
from kabinet.billing.models import Allocation, Balance, Charge, Payment, PenaltyCharge
from kabinet.billing.statement import account_statement
from kabinet.core.money import add_months
from kabinet.registry.models import Service
from tests import factories
from tests.billing.factories import TariffFactory, add_reading, reading_history
from tests.metering.factories import MeterFactory

D = dt.date
M = Decimal
FIGURES = ("opening", "charged", "recalculated", "paid", "penalty", "closing")


def url(account, **params):
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"/api/v1/accounts/{account.pk}/statement/" + (f"?{query}" if query else "")


def money(value):
    return None if value is None else f"{value:.2f}"


@pytest.fixture
def billed(org, account, staff):
    """February–April billed by the engine (water by average, then the April true-up; upkeep by area),
    a bank payment in April, a recalculation in April, penalties computed on 20.05.2026 (as the
    billing tests' statement fixture)."""
    water = MeterFactory(account=account, service__name="Холодная вода", service__unit="м³")
    TariffFactory(service=water.service, price=M("50.93"))
    upkeep = factories.ServiceFactory(organization=org, code="upkeep", name="Содержание", unit="м²",
                                      method=Service.Method.AREA)
    TariffFactory(service=upkeep, price=M("20.00"))
    readings = reading_history(water, D(2025, 7, 1), M("68.6"), ["5.1", "4.8", "5.4", "6.0", "5.2", "4.9"])
    for month in (2, 3):
        services.run_billing(org, D(2026, month, 1))
    add_reading(water, D(2026, 4, 1), M("118.000"), readings[-1])
    services.run_billing(org, D(2026, 4, 1))
    services.record_payment(account, M("1000.00"), paid_on=D(2026, 4, 5), source="bank")
    services.add_recalculation(account, upkeep, M("-100.00"), reason="Не было уборки подъезда", acting_user=staff,
                               period=D(2026, 4, 1))
    services.compute_penalties(org, D(2026, 5, 20))
    return account


def expected(periods):
    """What the API should say for `account_statement`'s periods (labels in the active language)."""
    return [{
        "period": f"{p.period:%Y-%m}",
        **{name: money(getattr(p, name)) for name in FIGURES},
        "closing_state": p.closing_state,
        "has_lines": p.has_lines,
        "lines": [{
            "service": line.service, "unit": line.unit, "zone": line.zone, "zone_label": line.zone_label,
            "volume": f"{line.volume:.6f}", "tariff": f"{line.tariff:.4f}", "amount": money(line.amount),
            "kind": line.kind, "kind_label": line.kind_label, "protocol": line.protocol,
        } for line in [*p.charges, *p.recalculations]],
        "payments": [{
            "paid_on": payment.paid_on.isoformat(), "amount": money(payment.amount), "source": payment.source,
            "source_label": payment.source_label,
            "parts": [{"kind": part.kind, "kind_label": part.kind_label,
                       "period": f"{part.period:%Y-%m}" if part.period else None, "service": part.service,
                       "amount": money(part.amount)} for part in payment.parts],
        } for payment in p.payments],
        "penalties": [{
            "debt_period": f"{line.debt_period:%Y-%m}", "calculated_on": line.calculated_on.isoformat(),
            "debt": money(line.debt), "total": money(line.total), "amount": money(line.amount),
            "protocol": line.protocol,
        } for line in p.penalties],
    } for p in periods]


# --- Values -------------------------------------------------------------------------------------------


def test_owner_gets_every_period_as_the_domain_function_gives_it(client_for, alice, billed):
    response = client_for(alice).get(url(billed), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["account"] == {"id": billed.pk, "number": "1000200", "address": billed.address}
    assert (body["period_from"], body["period_to"]) == (None, None)
    with translation.override("en"):
        assert body["periods"] == expected(account_statement(billed))
    assert [p["period"] for p in body["periods"]] == ["2026-05", "2026-04", "2026-03", "2026-02"]  # newest first


def test_figures_come_from_the_balances_and_the_lines_add_up(client_for, alice, billed):
    periods = {p["period"]: p for p in client_for(alice).get(url(billed)).json()["periods"]}
    for balance in Balance.objects.filter(account=billed):
        period = periods[f"{balance.period:%Y-%m}"]
        assert [period[name] for name in FIGURES] == [money(getattr(balance, name)) for name in FIGURES]
    april = periods["2026-04"]
    assert sum(M(line["amount"]) for line in april["lines"] if line["kind"] != "recalculation") == M(april["charged"])
    [recalculation] = [line for line in april["lines"] if line["kind"] == "recalculation"]
    assert (recalculation["service"], recalculation["amount"], recalculation["protocol"]) == (
        "Содержание", "-100.00", "Не было уборки подъезда")
    [payment] = april["payments"]
    assert (payment["paid_on"], payment["amount"], payment["source"]) == ("2026-04-05", "1000.00", "bank")
    assert {part["period"] for part in payment["parts"]} == {"2026-02"}  # ГК 319.1: the oldest debt first
    may = periods["2026-05"]
    assert may["lines"] == [] and M(may["penalty"]) > 0 and may["closing_state"] == "debt"
    assert "2026-02" in [line["debt_period"] for line in may["penalties"]]


def test_metered_line_has_volume_tariff_kind_and_protocol(client_for, alice, billed):
    april = client_for(alice).get(url(billed, **{"from": "2026-04", "to": "2026-04"})).json()["periods"][0]
    water = next(line for line in april["lines"] if line["service"] == "Холодная вода")
    assert (water["unit"], water["zone"], water["kind"], water["tariff"], water["amount"]) == (
        "м³", "T1", "metered", "50.9300", "383.67")
    assert water["volume"].count(".") == 1 and len(water["volume"].split(".")[1]) == 6  # as stored
    assert water["protocol"].startswith("Холодная вода")


def test_labels_follow_the_language_of_the_request(client_for, alice, billed):
    client = client_for(alice)

    def labels(language):
        april = client.get(url(billed, **{"from": "2026-04", "to": "2026-04"}), HTTP_ACCEPT_LANGUAGE=language)
        return {line["kind"]: line["kind_label"] for line in april.json()["periods"][0]["lines"]}
    assert labels("en")["recalculation"] == "Recalculation"
    assert labels("ru")["recalculation"] == "Перерасчёт"


def test_from_and_to_limit_the_periods(client_for, alice, billed):
    client = client_for(alice)

    def periods(**params):
        response = client.get(url(billed, **params))
        assert response.status_code == 200, response.content
        return [p["period"] for p in response.json()["periods"]]

    assert periods(**{"from": "2026-03"}) == ["2026-05", "2026-04", "2026-03"]
    assert periods(to="2026-03") == ["2026-03", "2026-02"]
    assert periods(**{"from": "2026-03", "to": "2026-04"}) == ["2026-04", "2026-03"]
    assert periods(**{"from": "2026-04", "to": "2026-04"}) == ["2026-04"]
    assert periods(**{"from": "2030-01"}) == []
    body = client.get(url(billed, **{"from": "2026-03", "to": "2026-04"})).json()
    assert (body["period_from"], body["period_to"]) == ("2026-03", "2026-04")
    with translation.override("ru"):
        assert body["periods"] == expected(account_statement(billed, period_from=D(2026, 3, 1),
                                                             period_to=D(2026, 4, 1)))


def test_loaded_balances_without_lines(client_for, alice, account):
    factories.BalanceFactory(account=account, period=D(2026, 9, 1), charged=M("100.00"), paid=M("150.00"))
    [period] = client_for(alice).get(url(account)).json()["periods"]
    assert (period["charged"], period["paid"], period["closing"], period["closing_state"]) == (
        "100.00", "150.00", "-50.00", "overpaid")
    assert (period["has_lines"], period["lines"], period["payments"], period["penalties"]) == (False, [], [], [])


def test_an_account_without_history_has_no_periods(client_for, alice, account):
    assert client_for(alice).get(url(account)).json()["periods"] == []


# --- Parameters ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("params", "parameter"), [
    ({"from": "2026-13"}, "from"),
    ({"from": "2026-00"}, "from"),
    ({"to": "2026-1"}, "to"),
    ({"to": "10.2026"}, "to"),
    ({"from": "abc", "to": "2026-10"}, "from"),
    ({"to": " 2026-10x"}, "to"),
])
def test_a_malformed_period_is_400_naming_the_parameter(client_for, alice, account, params, parameter):
    response = client_for(alice).get(url(account, **params), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["detail"].startswith(f"{parameter}: ") and "YYYY-MM" in body["detail"]
    assert parameter in body["errors"]


def test_empty_parameters_are_no_limit(client_for, alice, billed):
    response = client_for(alice).get(url(billed, **{"from": "", "to": ""}))
    assert response.status_code == 200
    assert len(response.json()["periods"]) == 4


def test_from_after_to_is_400_with_both_periods(client_for, alice, account):
    response = client_for(alice).get(url(account, **{"from": "2026-10", "to": "2026-09"}), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["detail"] == "“from” (2026-10) is after “to” (2026-09)."


def test_messages_are_in_russian_by_default(client_for, alice, account):
    client = client_for(alice)
    assert client.get(url(account, **{"from": "x"})).json()["detail"] == (
        "from: Укажите период в виде ГГГГ-ММ, например 2026-11.")
    assert client.get(url(account, **{"from": "2026-10", "to": "2026-09"})).json()["detail"] == (
        "«from» (2026-10) позже, чем «to» (2026-09).")


# --- Access -------------------------------------------------------------------------------------------


def test_delegate_with_the_view_right_reads_it(client_for, bob, billed):
    factories.AccountLinkFactory(user=bob, account=billed, role=AccountLink.Role.DELEGATE)
    response = client_for(bob).get(url(billed))
    assert response.status_code == 200
    assert len(response.json()["periods"]) == 4


def test_it_validates_ownership(client_for, charlie, billed):
    """A stranger gets the same 404 as for a missing account, whatever the parameters."""
    client = client_for(charlie)
    missing = client.get("/api/v1/accounts/999999999/statement/")
    foreign = client.get(url(billed))
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json() == client.get("/api/v1/accounts/999999999/").json()
    assert client.get(url(billed, **{"from": "bad"})).json() == missing.json()
    assert "1000200" not in foreign.content.decode()


def test_staff_of_the_organisation_reads_it_as_the_account_detail_allows(client_for, staff, billed, org):
    client = client_for(staff)
    assert client.get(f"/api/v1/accounts/{billed.pk}/").status_code == 200
    response = client.get(url(billed))
    assert response.status_code == 200
    assert len(response.json()["periods"]) == 4
    sub_account = factories.AccountFactory(organization=factories.OrganizationFactory(parent=org))
    assert client.get(url(sub_account)).status_code == 200


def test_staff_of_another_organisation_gets_404(client_for, other_staff, billed):
    response = client_for(other_staff).get(url(billed))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_operator_reads_any_account(client_for, operator, billed):
    assert client_for(operator).get(url(billed)).status_code == 200


def test_without_a_token_it_is_401(api, billed):
    assert api.get(url(billed)).status_code == 401


def test_it_is_read_only(client_for, alice, billed):
    assert client_for(alice).post(url(billed), {}, format="json").status_code == 405


# --- Queries ------------------------------------------------------------------------------------------


def add_history(account, months):
    """`months` periods up to October 2026, each with a charge, a recalculation, a payment with its
    allocation, a penalty line and the balance."""
    service = factories.ServiceFactory(organization=account.organization)
    for n in range(months):
        period = add_months(D(2026, 10, 1), -n)
        Charge.objects.create(account=account, period=period, service=service, kind="metered", zone="T1",
                              volume=M("3.5"), tariff=M("45.67"), amount=M("159.85"), protocol="3,5 × 45,67")
        Charge.objects.create(account=account, period=period, service=service, kind="recalculation",
                              volume=M("0"), tariff=M("0"), amount=M("-10.00"), protocol="Перерасчёт")
        payment = Payment.objects.create(account=account, period=period, paid_on=period.replace(day=10),
                                         amount=M("100.00"), source="bank")
        Allocation.objects.create(payment=payment, account=account, period=period, service=service,
                                  kind="principal", amount=M("100.00"), paid_on=payment.paid_on)
        PenaltyCharge.objects.create(account=account, period=period, debt_period=add_months(period, -2),
                                     calculated_on=period.replace(day=20), debt=M("500.00"), total=M("1.00"),
                                     amount=M("1.00"), protocol="1/300")
        factories.BalanceFactory(account=account, period=period, charged=M("159.85"), recalculated=M("-10.00"),
                                 paid=M("100.00"), penalty=M("1.00"))


# Token lookup, staff memberships, the account, then the statement's five (balances, charges, payments,
# allocations, penalties).
STATEMENT_QUERIES = 8


@pytest.mark.parametrize("months", [1, 12])
def test_query_count_is_constant(client_for, alice, account, months, django_assert_num_queries):
    add_history(account, months)
    client = client_for(alice)
    client.get("/api/v1/me/")  # the token's last_used_at is touched once a minute: not in the counts
    with django_assert_num_queries(STATEMENT_QUERIES):
        response = client.get(url(account))
    periods = response.json()["periods"]
    assert len(periods) == months
    assert all(len(p["lines"]) == 2 and len(p["payments"]) == 1 and len(p["penalties"]) == 1 for p in periods)


@pytest.mark.parametrize("months", [1, 12])
def test_query_count_is_constant_for_staff(client_for, staff, account, months, django_assert_num_queries):
    add_history(account, months)
    client = client_for(staff)
    client.get("/api/v1/me/")
    with django_assert_num_queries(STATEMENT_QUERIES):
        assert len(client.get(url(account, to="2026-10")).json()["periods"]) == months


def test_schema_documents_the_statement(api, db):
    operation = api.get("/api/v1/schema/", {"format": "json"}).json()["paths"]["/api/v1/accounts/{id}/statement/"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"id", "from", "to"}
    assert set(operation["responses"]) >= {"200", "400", "401", "404"}
