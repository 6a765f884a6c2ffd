"""The tenant isolation matrix: every URL of the project × the personas who must not see its data.

World: organisation A with `account_a` (owner alice, delegate bob with all rights), staff `staff_a`
(every role); organisation B with its consumer charlie and its staff `staff_b`; the operator.

- Every named route is listed in ROUTES (or in UNSCOPED with the reason it holds no tenant data):
  `test_every_route_is_in_the_matrix` fails for a new URL until it is classified here.
- For each route and each stranger (charlie, staff_b, and for portal pages staff_a, who is staff but
  not a consumer of the account): GET and, for writes, POST with data that would change something if
  it were allowed. The answer is a refusal (403/404/405, or a redirect to log in), or, for lists, a
  page without A's data; A's markers never appear in the body; and nothing in the database changed.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from kabinet.accounts.models import AccountLink, ApiToken, User
from kabinet.accounts.services import issue_api_token
from kabinet.billing.models import (
    Balance,
    Bill,
    BillingPeriod,
    BillingRun,
    BillingSchedule,
    BuildingGroup,
    Charge,
    CommonHouseLoss,
    Normative,
    Payment,
    Tariff,
)
from kabinet.comms.models import Announcement, Appeal, AppealMessage
from kabinet.core.models import Membership, Organization
from kabinet.core.money import add_months
from kabinet.metering.models import Meter, Reading, ReadingSettings
from kabinet.payments.models import PaymentOrder
from kabinet.registry.models import PersonalAccount
from tests import factories
from tests.billing.factories import TariffFactory
from tests.metering.factories import MeterFactory, ReadingFactory

SECRET_HOLDER = "Секретова Алиса Тайновна"
ORG_A_NAME = "ООО «УК Изоляция-А»"


@dataclass
class Route:
    kind: str  # "portal", "panel" or "api"
    kwargs: callable = None  # world -> URL kwargs
    post: callable = None  # world -> POST data that would change something if it were allowed
    is_list: bool = False  # a list answers 200 to strangers, without A's data


def _none(world):
    return {}


def _last_month(world):
    period = add_months(dt.date.today().replace(day=1), -1)
    return {"year": period.year, "month": period.month}


def _bill_id(world):
    period = add_months(dt.date.today().replace(day=1), -1)
    return f"{world.account.pk}-{period:%Y-%m}"


ROUTES = {
    # Consumer portal: A's account pages.
    "portal:dashboard": Route("portal", is_list=True),
    "portal:account_link": Route("portal", is_list=True),
    "portal:account_detail": Route("portal", lambda w: {"pk": w.account.pk}),
    "portal:account_grant": Route(
        "portal", lambda w: {"pk": w.account.pk}, lambda w: {"contact": w.stranger_contact, "rights": ["payments"]}
    ),
    "portal:account_revoke": Route("portal", lambda w: {"pk": w.account.pk, "link_id": w.bob_link.pk}, _none),
    "portal:account_unlink": Route("portal", lambda w: {"pk": w.account.pk}, lambda w: {"confirm": "on"}),
    # Staff panel.
    "panel:summary": Route("panel", is_list=True),
    "panel:switch_organization": Route("panel", post=lambda w: {"organization": str(w.org_a.pk)}, is_list=True),
    "panel:organization": Route("panel", is_list=True),
    "panel:organization_list": Route("panel", is_list=True),
    "panel:organization_create": Route(
        "panel", post=lambda w: {"name": "Дочка", "kind": "management", "parent": str(w.org_a.pk)}, is_list=True
    ),
    "panel:organization_detail": Route(
        "panel", lambda w: {"pk": w.org_a.pk}, lambda w: {"name": "Захвачено", "kind": "management"}
    ),
    "panel:user_list": Route("panel", is_list=True),
    "panel:user_create": Route("panel", is_list=True),
    "panel:e_receipt_export": Route("panel", is_list=True),  # A's account has chosen e-receipts
    "panel:user_detail": Route("panel", lambda w: {"pk": w.alice.pk}),
    "panel:user_attach": Route("panel", lambda w: {"pk": w.alice.pk}, lambda w: {"number": w.account.number}),
    "panel:user_detach": Route("panel", lambda w: {"pk": w.alice.pk, "account_pk": w.account.pk}, _none),
    "panel:user_set_active": Route("panel", lambda w: {"pk": w.alice.pk}, lambda w: {"active": "0"}),
    "panel:user_password": Route(
        "panel", lambda w: {"pk": w.alice.pk},
        lambda w: {"password1": "Hijacked-pass-123", "password2": "Hijacked-pass-123", "generate": ""},
    ),
    "panel:staff_list": Route("panel", is_list=True),
    "panel:staff_add": Route(
        "panel", post=lambda w: {"organization": str(w.org_a.pk), "email": "intruder@example.com", "roles": ["users"]},
        is_list=True,
    ),
    "panel:staff_detail": Route(
        "panel", lambda w: {"pk": w.membership_a.pk}, lambda w: {"roles": ["users"], "position": "x"}
    ),
    "panel:staff_set_active": Route("panel", lambda w: {"pk": w.membership_a.pk}, lambda w: {"active": "0"}),
    # Staff panel: meters and readings (issue 3).
    "panel:meter_list": Route("panel", is_list=True),
    "panel:meter_create": Route(
        "panel", post=lambda w: {"kind": "individual", "account_number": w.account.number,
                                 "service": str(w.meter.service_id), "serial_number": "HACK-1",
                                 "resource": "cold_water", "zone_count": "1", "digits": "5", "decimals": "3"},
        is_list=True,
    ),
    "panel:meter_detail": Route("panel", lambda w: {"pk": w.meter.pk}),
    "panel:meter_edit": Route(
        "panel", lambda w: {"pk": w.meter.pk},
        lambda w: {"serial_number": "HACK-1", "resource": "cold_water", "zone_count": "1", "digits": "5",
                   "decimals": "3", "is_registered": "on"},
    ),
    "panel:meter_replace": Route(
        "panel", lambda w: {"pk": w.meter.pk},
        lambda w: {"replaced_on": "2026-11-10", "serial_number": "HACK-1", "zone_count": "1", "digits": "5",
                   "decimals": "3", "final_T1": "105"},
    ),
    "panel:meter_retire": Route("panel", lambda w: {"pk": w.meter.pk}, lambda w: {"retired_on": "2026-11-10"}),
    "panel:meter_seal": Route(
        "panel", lambda w: {"pk": w.meter.pk}, lambda w: {"seal_number": "HACK-1", "sealed_on": "2026-11-10"}
    ),
    "panel:meter_enter_reading": Route(
        "panel", lambda w: {"pk": w.meter.pk}, lambda w: {"value_T1": "105", "mode": "reading"}
    ),
    "panel:reading_list": Route("panel", is_list=True),
    "panel:reading_bulk_accept": Route("panel", post=lambda w: {"reading": [str(w.reading.pk)]}),
    "panel:reading_accept": Route("panel", lambda w: {"pk": w.reading.pk}, _none),
    "panel:reading_reject": Route("panel", lambda w: {"pk": w.reading.pk}, lambda w: {"reason": "Чужой отказ"}),
    "panel:reading_export": Route(
        "panel", post=lambda w: {"organization": str(w.org_a.pk), "period": "2026-10", "file_format": "csv"},
        is_list=True,
    ),
    "panel:reading_settings": Route("panel", is_list=True),
    "panel:reading_settings_detail": Route(
        "panel", lambda w: {"pk": w.org_a.pk},
        lambda w: {"cutoff_day": "5", "limit_mode": "refuse", "high_factor": "9"},
    ),
    # Staff panel: billing (issue 4).
    "panel:turnover": Route("panel", is_list=True),
    "panel:turnover_export": Route("panel", is_list=True),
    # Common-house losses: A's building row (its address carries the marker).
    "panel:common_house": Route("panel", is_list=True),
    "panel:common_house_export": Route("panel", is_list=True),
    "panel:billing_runs": Route(
        "panel", post=lambda w: {"organization": str(w.org_a.pk), "period": "2026-10"}, is_list=True
    ),
    "panel:billing_run_detail": Route("panel", lambda w: {"pk": w.billing_run.pk}),
    "panel:billing_schedule": Route(
        "panel", post=lambda w: {"organization": str(w.org_a.pk), "close_day": "26", "month": "current"},
        is_list=True,
    ),
    "panel:billing_close_period": Route(
        "panel", post=lambda w: {"organization": str(w.org_a.pk), "period": "2026-10", "confirm": "on"},
        is_list=True,
    ),
    "panel:rates": Route("panel", is_list=True),
    "panel:rates_detail": Route("panel", lambda w: {"pk": w.org_a.pk}),
    "panel:rate_create": Route(
        "panel", lambda w: {"pk": w.org_a.pk, "kind": "group"}, lambda w: {"name": "Захват"}
    ),
    "panel:rate_edit": Route(
        "panel", lambda w: {"kind": "tariff", "pk": w.tariff.pk},
        lambda w: {"service": str(w.tariff.service_id), "price": "1.00", "valid_from": "2020-01-01"},
    ),
    "panel:rate_delete": Route("panel", lambda w: {"kind": "group", "pk": w.building_group.pk},
                               lambda w: {"confirm": "on"}),
    # Staff panel: appeals and announcements (issue 6).
    "panel:appeal_list": Route("panel", is_list=True),
    "panel:appeal_detail": Route("panel", lambda w: {"pk": w.appeal.pk}),
    "panel:appeal_reply": Route("panel", lambda w: {"pk": w.appeal.pk}, lambda w: {"text": "Захват"}),
    "panel:appeal_note": Route("panel", lambda w: {"pk": w.appeal.pk}, lambda w: {"text": "Захват"}),
    "panel:appeal_assign": Route(
        "panel", lambda w: {"pk": w.appeal.pk}, lambda w: {"assignee": str(w.membership_a.user_id)}
    ),
    "panel:appeal_status": Route("panel", lambda w: {"pk": w.appeal.pk}, lambda w: {"status": "closed"}),
    "panel:appeal_attachment": Route("panel", lambda w: {"pk": w.attachment.pk}),
    "panel:appeal_categories": Route(
        "panel", post=lambda w: {"organization": str(w.org_a.pk), "name": "Захват", "deadline_days": "1"},
        is_list=True,
    ),
    "panel:appeal_category": Route(
        "panel", lambda w: {"pk": w.appeal.category_id}, lambda w: {"name": "Захват", "deadline_days": "1"}
    ),
    "panel:announcement_list": Route("panel", is_list=True),
    "panel:announcement_create": Route(
        "panel", post=lambda w: {"organization": str(w.org_a.pk), "title": "Захват", "text": "Захват",
                                 "kind": "emergency", "audience": "organization", "publish": "now"},
        is_list=True,
    ),
    "panel:announcement_detail": Route("panel", lambda w: {"pk": w.announcement.pk}),
    "panel:announcement_edit": Route(
        "panel", lambda w: {"pk": w.announcement.pk},
        lambda w: {"title": "Захват", "text": "Захват", "kind": "ordinary", "audience": "organization"},
    ),
    "panel:announcement_publish": Route("panel", lambda w: {"pk": w.announcement.pk}, _none),
    "panel:announcement_withdraw": Route("panel", lambda w: {"pk": w.announcement.pk}, _none),
    # API.
    "api:me": Route("api", is_list=True),
    "api:account-list": Route("api", is_list=True),
    "api:account-detail": Route("api", lambda w: {"pk": w.account.pk}),
    # API: meters and readings (issue 3).
    "api:meter-list": Route("api", is_list=True),
    "api:meter-detail": Route("api", lambda w: {"pk": w.meter.pk}),
    # A stranger's reading for A's meter is refused like one for an unknown meter (400, nothing stored).
    "api:reading-list": Route(
        "api", post=lambda w: [{"meter": w.meter.pk, "zone": "T1", "value": "999.5"}], is_list=True
    ),
    "api:reading-accept": Route("api", lambda w: {"pk": w.reading.pk}, _none),
    "api:reading-reject": Route("api", lambda w: {"pk": w.reading.pk}, lambda w: {"reason": "Захвачено"}),
    # Consumer portal: meters and readings (issue 3).
    "portal:readings": Route(
        "portal", post=lambda w: {f"value-{w.meter.pk}-T1": "200", f"mode-{w.meter.pk}": "reading"}, is_list=True
    ),
    "portal:meter_readings": Route(
        "portal", lambda w: {"meter_id": w.meter.pk},
        lambda w: {f"value-{w.meter.pk}-T1": "200", f"mode-{w.meter.pk}": "reading"},
    ),
    "portal:readings_confirm": Route("portal", post=lambda w: {  # alice's own signed values, replayed by others
        "payload": __import__("kabinet.portal.views.readings", fromlist=["sign_readings"]).sign_readings(
            w.alice, [{"meter": w.meter.pk, "zone": "T1", "value": "200", "mode": "reading"}], None),
        "submit": "1",
    }),
    "portal:reading_history": Route("portal", lambda w: {"meter_id": w.meter.pk}),
    # Consumer portal: the account statement (issue 4).
    "portal:account_statement": Route("portal", lambda w: {"pk": w.account.pk}),
    # Consumer portal: appeals and news (issue 6).
    "portal:appeal_list": Route("portal", is_list=True),
    "portal:appeal_create": Route("portal", post=lambda w: {
        "account": w.account.pk, "category": w.appeal.category_id, "subject": "Захват", "text": "Захват"}, is_list=True),
    "portal:appeal_detail": Route("portal", lambda w: {"pk": w.appeal.pk}),
    "portal:appeal_reply": Route("portal", lambda w: {"pk": w.appeal.pk}, lambda w: {"text": "Захват"}),
    "portal:appeal_rate": Route("portal", lambda w: {"pk": w.appeal.pk}, lambda w: {"rating": "1"}),
    "portal:appeal_attachment": Route("portal", lambda w: {"pk": w.attachment.pk}),
    "portal:news": Route("portal", is_list=True),
    "portal:news_read_all": Route("portal", post=_none, is_list=True),
    "portal:news_detail": Route("portal", lambda w: {"pk": w.announcement.pk}),
    # API: billing (issue 4).
    "api:account-statement": Route("api", lambda w: {"pk": w.account.pk}),
    "api:report-turnover": Route("api", is_list=True),
    # Bills (issue 5): the last closed month of A's account (no BillingPeriod rows: loaded balances).
    "portal:account_bills": Route("portal", lambda w: {"pk": w.account.pk}),
    "portal:bill_download": Route("portal", lambda w: {"pk": w.account.pk, **_last_month(w)}),
    "api:bill-list": Route("api", is_list=True),
    "api:bill-detail": Route("api", lambda w: {"pk": _bill_id(w)}),
    "api:bill-pdf": Route("api", lambda w: {"pk": _bill_id(w)}),
    # Payment centre (issue 5): strangers choosing A's line see only their own; replaying alice's signed
    # confirmation is a 404; alice's order is hers alone.
    "portal:pay": Route("portal", post=lambda w: {f"pay-{w.account.pk}-{w.org_a.pk}": "on",
                                                  f"amount-{w.account.pk}-{w.org_a.pk}": "100"}, is_list=True),
    "portal:pay_confirm": Route("portal", post=lambda w: {"payload": __import__(
        "kabinet.portal.views.payments", fromlist=["sign_payment"]).sign_payment(
        w.alice, [(w.account, w.org_a, Decimal("100"))], "sandbox", None, Decimal("100.00"))}),
    "portal:pay_return": Route("portal", lambda w: {"uuid": w.payment_order.uuid}),
    "portal:payment_history": Route("portal", is_list=True),
    "panel:payment_registry": Route("panel", is_list=True),
    "panel:payment_registry_export": Route("panel", is_list=True),
    "api:payment-list": Route("api", post=lambda w: {"items": [
        {"account": w.account.pk, "supplier": w.org_a.pk, "amount": "100"}]}, is_list=True),
    "api:payment-detail": Route("api", lambda w: {"uuid": w.payment_order.uuid}),
    "api:payment-registry": Route("api", is_list=True),
}

SETTINGS_REASON = "acts on the caller's own profile only (name, contacts by code, notifications, password)"
UNSCOPED = {
    "healthz": "liveness probe, no data",
    "set_language": "stores the chosen language only",
    "portal:login": "public form",
    "portal:login_address": "public address picker: addresses are public (seed 001), accounts are not shown",
    "portal:address_streets": "public street autocomplete",
    "portal:logout": "acts on the caller's own session",
    "portal:password_reset": "same answer whether or not the contact exists",
    "portal:password_reset_confirm": "needs the code sent to the contact",
    "portal:register": "needs the account number and the receipt code",
    "portal:register_confirm": "needs the SMS code",
    "portal:register_resend": "resends to the phone of the caller's own registration",
    "portal:register_password": "only after the caller's own SMS code",
    "portal:organization_public": "public page of an active organisation: contacts, requisites and public news only",
    "portal:penalty_calculator": "public calculator: what is typed in and the public key rate table, no account data",
    "portal:settings": SETTINGS_REASON,
    "portal:settings_name": SETTINGS_REASON,
    "portal:settings_email": SETTINGS_REASON,
    "portal:settings_email_confirm": SETTINGS_REASON,
    "portal:settings_email_resend": SETTINGS_REASON,
    "portal:settings_email_cancel": SETTINGS_REASON,
    "portal:settings_phone": SETTINGS_REASON,
    "portal:settings_phone_confirm": SETTINGS_REASON,
    "portal:settings_phone_resend": SETTINGS_REASON,
    "portal:settings_phone_cancel": SETTINGS_REASON,
    "portal:settings_notifications": SETTINGS_REASON,
    "portal:settings_password": SETTINGS_REASON,
    "api:root": "links only",
    "api:auth-token": "issues a token for the caller's own credentials",
    "api:schema": "public API description",
    "api:docs": "public API description",
    "api:not-found": "JSON 404 for unknown API paths",
    "sms_inbound": "SMS gateway webhook: HMAC-signed body, answers only the sender's own phone",
    "sms_delivery": "SMS gateway delivery reports: HMAC-signed body, changes only the delivery status",
    "payments:callback": "acquirer webhook: HMAC-signed (sandbox) or re-checked with the acquirer's API "
                         "(YooKassa); answers only an outcome word (tests/payments/test_callbacks.py)",
    "payments:sandbox_pay": "the sandbox bank's card page, addressed by an unguessable token like a real "
                            "acquirer's page; shows the amount and description only",
}


def all_route_names(resolver=None, namespace=""):
    names = set()
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue  # Django's admin: superusers with is_staff only, see test_django_admin_is_closed
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            names |= all_route_names(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            names.add(f"{namespace}{entry.name}")
    return names


def test_every_route_is_in_the_matrix():
    missing = all_route_names() - set(ROUTES) - set(UNSCOPED)
    assert not missing, f"classify these routes in tests/test_isolation.py: {sorted(missing)}"
    stale = (set(ROUTES) | set(UNSCOPED)) - all_route_names()
    assert not stale, f"routes that no longer exist: {sorted(stale)}"


@dataclass
class World:
    org_a: Organization
    account: PersonalAccount
    alice: User
    bob_link: AccountLink
    membership_a: Membership
    meter: Meter = None  # an individual meter on `account`
    reading: Reading = None  # its pending (new) reading, for review routes
    billing_run: BillingRun = None  # a finished billing run of A
    tariff: Tariff = None  # A's tariff and building group (the rates page)
    building_group: BuildingGroup = None
    appeal: Appeal = None  # alice's appeal about `account` (issue 6)
    attachment: object = None  # its attachment
    announcement: Announcement = None  # a published announcement for A's accounts
    payment_order: object = None  # alice's card payment for A's account (issue 5)
    personas: dict = field(default_factory=dict)
    stranger_contact: str = ""


@pytest.fixture
def world(db, settings, tmp_path):
    org_a = factories.OrganizationFactory(name=ORG_A_NAME, inn="7799000001")
    account = factories.AccountFactory(organization=org_a, number="4242420", holder_name=SECRET_HOLDER,
                                      e_receipt=True)
    alice = factories.UserFactory(email="alice-secret@example.com", phone="+79120004242")
    factories.AccountLinkFactory(user=alice, account=account)
    bob = factories.UserFactory(email="bob-delegate@example.com")
    bob_link = factories.AccountLinkFactory(
        user=bob, account=account, role=AccountLink.Role.DELEGATE, can_readings=True, can_payments=True
    )
    membership_a = factories.StaffMembershipFactory(organization=org_a, user__email="staff-a@example.com")
    org_b = factories.OrganizationFactory(name="ООО «Другая»")
    charlie = factories.UserFactory(email="charlie@example.com")
    factories.AccountLinkFactory(user=charlie, account=factories.AccountFactory(organization=org_b))
    staff_b = factories.StaffMembershipFactory(organization=org_b, user__email="staff-b@example.com").user
    meter = MeterFactory(account=account, serial_number="SEKRET-4242")
    ReadingFactory(meter=meter, value=Decimal("100"))
    reading = ReadingFactory(meter=meter, value=Decimal("104.5"), status=Reading.Status.NEW, submitted_by=alice)
    # A's money, so that reports and statements have A's rows to leak if scoping broke.
    factories.BalanceFactory(account=account, period=dt.date.today().replace(day=1), charged=Decimal("4242.42"))
    factories.BalanceFactory(account=account, period=add_months(dt.date.today().replace(day=1), -1))
    billing_run = BillingRun.objects.create(organization=org_a, period=dt.date(2026, 10, 1), status="done")
    world = World(org_a, account, alice, bob_link, membership_a, meter=meter, reading=reading, billing_run=billing_run,
                  stranger_contact="charlie@example.com")
    world.building_group = BuildingGroup.objects.create(organization=org_a, name="Группа SEKRET-4242")
    world.tariff = TariffFactory(service=factories.ServiceFactory(organization=org_a, name="Услуга SEKRET-4242"))
    # A's common-house loss of last month (the page's default period) in a building named with the marker.
    CommonHouseLoss.objects.create(
        organization=org_a, building=factories.BuildingFactory(street="ул. SEKRET-4242"), service=world.tariff.service,
        period=add_months(dt.date.today().replace(day=1), -1), house_volume=Decimal(1240),
        individual_volume=Decimal(1000), common_volume=Decimal(240), distributed_volume=Decimal(240),
        loss_volume=Decimal(0), tariff=Decimal("1.936"), distributed_amount=Decimal("464.64"))
    world.personas = {"charlie": charlie, "staff_b": staff_b, "staff_a": membership_a.user}
    # Communication (issue 6): alice's appeal with an attached file, and an announcement for A's accounts.
    from kabinet.comms.models import AppealCategory
    from kabinet.comms.services import announcements, appeals
    from tests.comms.files import PDF, upload

    settings.KABINET_PRIVATE_MEDIA_ROOT = tmp_path / "private"
    category = AppealCategory.objects.create(organization=org_a, name="Вопрос")
    world.appeal = appeals.create_appeal(alice, account.pk, category_id=category.pk, subject="Обращение SEKRET-4242",
                                         text="Текст SEKRET-4242", files=[upload("SEKRET-4242.pdf", PDF)])
    world.attachment = world.appeal.messages.get().attachments.get()
    world.announcement = announcements.publish_announcement(membership_a.user, announcements.create_announcement(
        membership_a.user, org_a, title="Объявление SEKRET-4242", text="Для А").pk)
    # Payment centre (issue 5): alice's card payment, confirmed by the bank, so A's registry has a row.
    from kabinet.payments import services as payments
    from kabinet.payments.acquirers.base import SUCCEEDED, StatusReport

    world.payment_order = order = payments.create_order(alice, [(account, org_a, Decimal("42.42"))])
    payments.start_checkout(order, return_url="http://testserver/r", callback_url="http://testserver/c")
    order.refresh_from_db()
    payments.apply_report("sandbox", StatusReport(order.external_id, SUCCEEDED, order.total, str(order.uuid)))
    return world


MARKERS = ("SEKRET-4242", "4242420", SECRET_HOLDER, "alice-secret@example.com", "+79120004242", "bob-delegate@example.com")


FINGERPRINTED = (
    User, AccountLink, Membership, Organization, PersonalAccount, ApiToken,
    Meter, Reading, ReadingSettings,
    Balance, Bill, BillingPeriod, BillingRun, BillingSchedule, Charge, Payment,
    BuildingGroup, Tariff, Normative, CommonHouseLoss,
    Appeal, AppealMessage, Announcement, PaymentOrder,
)


def fingerprint():
    """Everything a stranger's request could change, in a comparable form."""
    volatile = {"last_login", "last_used_at"}

    def rows(model):
        return [{k: v for k, v in row.items() if k not in volatile} for row in model.objects.order_by("pk").values()]

    return [rows(m) for m in FINGERPRINTED]


def strangers_for(route: Route):
    if route.kind == "portal":
        return ["charlie", "staff_b", "staff_a"]  # staff of A are not consumers of A's account
    return ["charlie", "staff_b"]


CASES = [(name, who) for name, route in ROUTES.items() for who in strangers_for(route)]


def client_for(world, who, route):
    """A logged-in client (made before the fingerprint: logging in is not what is tested)."""
    from django.test import Client

    user = world.personas[who]
    if route.kind == "api":
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_api_token(user)}")
        return client
    client = Client()
    client.force_login(user)
    return client


def request(client, world, route, name, method):
    url = reverse(name, kwargs=route.kwargs(world) if route.kwargs else None)
    if method == "get":
        return client.get(url)
    data = route.post(world)
    return client.post(url, data, format="json") if route.kind == "api" else client.post(url, data)


@pytest.mark.parametrize(("name", "who"), CASES, ids=[f"{n}-{w}" for n, w in CASES])
def test_strangers_get_no_data_and_change_nothing(world, name, who):
    route = ROUTES[name]
    methods = ["get"] + (["post"] if route.post else [])
    client = client_for(world, who, route)
    before = fingerprint()
    for method in methods:
        response = request(client, world, route, name, method)
        body = response.content.decode(errors="replace")
        if route.is_list:
            # A write through a list route may also be refused as invalid input (a form shown again
            # with its errors, or 400), as long as nothing changed (asserted below).
            allowed = (200, 302, 403, 405) if method == "get" else (200, 302, 400, 403, 404, 405)
            assert response.status_code in allowed, (method, response.status_code)
        else:
            assert response.status_code in (403, 404, 405), (method, response.status_code)
        leaked = [m for m in MARKERS if m in body]
        if route.kind == "panel":
            leaked += [ORG_A_NAME] if ORG_A_NAME in body else []
        assert not leaked, f"{who} {method.upper()} {name} shows {leaked}"
    assert fingerprint() == before, f"{who} changed data through {name}"


@pytest.mark.parametrize("name", sorted(n for n, r in ROUTES.items() if r.kind != "api"))
def test_anonymous_is_sent_to_login(world, client, name):
    route = ROUTES[name]
    url = reverse(name, kwargs=route.kwargs(world) if route.kwargs else None)
    before = fingerprint()
    for response in [client.get(url)] + ([client.post(url, route.post(world))] if route.post else []):
        assert response.status_code in (302, 405)
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("portal:login"))
    assert fingerprint() == before


@pytest.mark.parametrize("name", sorted(n for n, r in ROUTES.items() if r.kind == "api"))
def test_api_without_token_is_401(world, name):
    route = ROUTES[name]
    response = APIClient().get(reverse(name, kwargs=route.kwargs(world) if route.kwargs else None))
    assert response.status_code == 401
    assert response.json()["detail"]


def test_the_owner_does_see_the_data(world, client):
    """The matrix would pass vacuously if the pages never showed the markers at all."""
    client.force_login(world.alice)
    assert "4242420" in client.get(reverse("portal:account_detail", kwargs={"pk": world.account.pk})).content.decode()
    client.force_login(world.personas["staff_a"])
    page = client.get(reverse("panel:user_detail", kwargs={"pk": world.alice.pk})).content.decode()
    assert "alice-secret@example.com" in page and "4242420" in page
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_api_token(world.alice)}")
    assert api.get(reverse("api:account-detail", kwargs={"pk": world.account.pk})).json()["number"] == "4242420"


def test_django_admin_is_closed_to_organisation_staff(world, client):
    client.force_login(world.personas["staff_a"])
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
