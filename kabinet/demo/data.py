"""The demo data set: two organisations (one with a sub-organisation), 60+ accounts with services
and 12 months of balances, and the demo logins of DESIGN.md §5. Idempotent: running it again adds
only what is missing (e.g. the new month).

For billing: tariffs (per zone for electricity) and normatives of every demo service, the monthly
run's close day, and the ledger behind the balances — a charge line per service and a payment with
its allocation for every month of history — so `kabinet bill --period <last month>` replaces that
month's history lines with the engine's charges and keeps the payments."""

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from kabinet.accounts.models import AccountLink, User
from kabinet.billing.ledger import reduce_debts
from kabinet.billing.models import Allocation, Balance, BillingSchedule, Charge, Normative, Payment, Tariff
from kabinet.billing.rules import allocation
from kabinet.billing.rules.allocation import DebtLine
from kabinet.core.models import Membership, Organization
from kabinet.core.money import add_months, period_start, to_money
from kabinet.core.roles import ALL_ROLES
from kabinet.metering.demo import load_demo_meters
from kabinet.registry.models import Building, PersonalAccount, Premises, Service

DEMO_PASSWORD = "kabinet-demo"
CONSUMER_EMAIL = "demo@example.com"
CONSUMER_PHONE = "+79001234567"
STAFF_EMAIL = "staff@example.com"
OPERATOR_EMAIL = "admin@example.com"
CONSUMER_ACCOUNT = "1000200"
SECOND_ORG_ACCOUNT = "5000200"
CONSUMER_FLAT = ("ул. Ленина", "12", 5)  # the demo consumer lives at ул. Ленина, 12, кв. 5
MONTHS = 12

ORGS = {
    "uk": dict(
        name="ООО «Управляющая компания Пример»", short_name="УК Пример", kind=Organization.Kind.MANAGEMENT,
        inn="7701234567", kpp="770101001", ogrn="1027700000001", bank_name="ПАО СБЕРБАНК",
        bank_bic="044525225", bank_account="40702810900000012345", bank_corr_account="30101810400000000225",
        address="г. Кемерово, ул. Ленина, д. 1", phone="+7 3842 00-00-00", email="uk@example.com",
        office_hours="Пн–Пт 9:00–18:00", public_info="Управление многоквартирными домами Центрального района.",
    ),
    "uk_branch": dict(
        name="ООО «Управляющая компания Пример», участок Заречный", short_name="УК Пример — Заречный",
        kind=Organization.Kind.MANAGEMENT, inn="7701234567", kpp="770102001",
    ),
    "energo": dict(
        name="ПАО «Энергосбыт Пример»", short_name="Энергосбыт Пример", kind=Organization.Kind.SUPPLIER,
        inn="4200000001", kpp="420501001", ogrn="1024200000002", bank_name="ПАО СБЕРБАНК",
        bank_bic="043207612", bank_account="40702810126000000777", bank_corr_account="30101810200000000612",
        address="г. Кемерово, пр. Кузнецкий, д. 30", phone="8 800 000-00-00", email="info@energo.example.com",
    ),
}

# (organisation key, settlement, street, house, flats)
BUILDINGS = [
    ("uk", "Кемерово", "ул. Ленина", "12", 16),
    ("uk", "Кемерово", "ул. Ленина", "14", 12),
    ("uk", "Кемерово", "пр. Советский", "5", 10),
    ("uk_branch", "Кемерово", "ул. Заречная", "3", 8),
    ("uk_branch", "Кемерово", "ул. Заречная", "7", 6),
    ("uk", "Берёзовский", "ул. Весенняя", "21", 8),
]

SERVICES = {
    "uk": [
        ("maintenance", "Содержание жилого помещения", "м²", Service.Method.AREA),
        ("heating", "Отопление", "Гкал", Service.Method.AREA),
        ("cold_water", "Холодное водоснабжение", "м³", Service.Method.METERED),
        ("hot_water", "Горячее водоснабжение", "м³", Service.Method.METERED),
        ("sewage", "Водоотведение", "м³", Service.Method.SUM_OF_VOLUMES),  # no sewage meters: cold + hot
    ],
    "energo": [("electricity", "Электроснабжение", "кВт·ч", Service.Method.METERED)],
}

# Prices (₽ per unit; per m² for area services) from this date on, per service code and zone ("" = a
# single-rate meter or a service without zones). Electricity: DOMAIN.md §1's three-zone example (T1
# peak 6.18, T2 night 1.74, T3 half-peak 5.15; a two-zone meter's day zone T1 uses the peak price).
# Heating is charged evenly over the year by area.
TARIFFS_FROM = dt.date(2024, 1, 1)
TARIFFS = {
    "maintenance": {"": "31.40"},
    "heating": {"": "19.38"},
    "cold_water": {"": "50.93"},
    "hot_water": {"": "230.50"},
    "sewage": {"": "38.62"},
    "electricity": {"": "5.15", "T1": "6.18", "T2": "1.74", "T3": "5.15"},
}
# Normatives per resident per month (ПП №306; used without readings after the average, or without a
# meter): water m³, electricity kWh. Sewage has no meters: its volume is cold + hot water's (ПП 354 п. 42).
NORMATIVES = {"cold_water": "6.935", "hot_water": "4.745", "electricity": "89"}
VOLUME_OF = {"sewage": ("cold_water", "hot_water")}
# Common-house needs (DOMAIN.md §7): the normative per m² of common property per month (the cap), and
# the common area of each demo building (m² per flat).
COMMON_NORMATIVES = {"cold_water": "0.03", "electricity": "1.2"}
COMMON_AREA_PER_FLAT = Decimal(8)
CLOSE_DAY = 26  # the management company's monthly run: the day after the readings cutoff
HISTORY_PROTOCOL = "Демонстрационная история: сумма задана, а не рассчитана."


def receipt_code(number: str) -> str:
    """A stable receipt code per demo account, so the README can tell how to try registration."""
    return f"{(int(number) * 7919) % 1000000:06d}"


class DemoLoader:
    def __init__(self, today: dt.date | None = None, stdout=None):
        self.today = today or timezone.localdate()
        self.rng = random.Random(20261125)
        self.stdout = stdout
        self.orgs: dict[str, Organization] = {}

    @transaction.atomic
    def load(self) -> dict:
        self._organisations()
        self._services()
        accounts = self._accounts()
        self._balances(accounts)
        self._users()
        load_demo_meters(self.today)
        self._tariffs()
        self._commissions()
        self._common_house()
        return {"accounts": PersonalAccount.objects.count(), "organisations": Organization.objects.count()}

    def _organisations(self):
        for key, fields in ORGS.items():
            parent = self.orgs["uk"] if key == "uk_branch" else None
            org, _ = Organization.objects.get_or_create(
                inn=fields["inn"], kpp=fields["kpp"], defaults={**fields, "parent": parent}
            )
            self.orgs[key] = org

    def _commissions(self):
        """The sandbox acquirer's fee: the management company keeps it back (1 %, at least 5 ₽), the
        electricity supplier has the payer pay it on top (1.5 %), so the demo shows both cases."""
        from kabinet.payments.models import CommissionRule

        for key, fields in (("uk", {"percent": Decimal("1"), "minimum": Decimal("5")}),
                            ("energo", {"percent": Decimal("1.5"), "payer_pays": True})):
            CommissionRule.objects.get_or_create(organization=self.orgs[key], acquirer="sandbox", defaults=fields)

    def _services(self):
        for key, services in SERVICES.items():
            for org_key in [key] + (["uk_branch"] if key == "uk" else []):
                for code, name, unit, method in services:
                    Service.objects.get_or_create(
                        organization=self.orgs[org_key], code=code,
                        defaults={"name": name, "unit": unit, "method": method},
                    )
                for code, sources in VOLUME_OF.items():
                    organization = self.orgs[org_key]
                    summed = Service.objects.filter(organization=organization, code=code).first()
                    if summed is not None:
                        summed.volume_of.set(Service.objects.filter(organization=organization, code__in=sources))

    def _accounts(self) -> list[PersonalAccount]:
        accounts = []
        sequence = 1000100
        for org_key, settlement, street, house, flats in BUILDINGS:
            building, _ = Building.objects.get_or_create(settlement=settlement, street=street, house=house)
            for flat in range(1, flats + 1):
                sequence += 1
                area = Decimal(30 + self.rng.randint(0, 60)) + Decimal(self.rng.randint(0, 9)) / 10
                premises, _ = Premises.objects.get_or_create(building=building, number=str(flat), defaults={"area": area})
                is_demo_flat = (street, house, flat) == CONSUMER_FLAT
                number = CONSUMER_ACCOUNT if is_demo_flat else str(sequence)
                accounts.append(self._account(self.orgs[org_key], premises, number))
                # The electricity supplier bills the houses on ул. Ленина too.
                if street == "ул. Ленина":
                    energo_number = SECOND_ORG_ACCOUNT if is_demo_flat else str(sequence + 4000000)
                    accounts.append(self._account(self.orgs["energo"], premises, energo_number))
        return accounts

    def _account(self, org, premises, number) -> PersonalAccount:
        residents = self.rng.randint(1, 4)
        account, _ = PersonalAccount.objects.get_or_create(
            organization=org, number=number,
            defaults={
                "premises": premises, "holder_name": self._holder(), "residents": residents,
                "owners": 1, "area": premises.area, "receipt_code": receipt_code(number),
                "opened_on": dt.date(2019, 1, 1),
            },
        )
        return account

    def _holder(self) -> str:
        surnames = ["Иванов", "Петров", "Смирнова", "Кузнецов", "Попова", "Васильев", "Соколова", "Морозов"]
        return f"{self.rng.choice(surnames)} {self.rng.choice('АВГДЕИКМНОПС')}. {self.rng.choice('АВГДЕИМНОПС')}."

    def _balances(self, accounts):
        last = period_start(self.today)
        periods = [add_months(last, -i) for i in range(MONTHS - 1, -1, -1)]
        existing = {
            (b.account_id, b.period): b for b in Balance.objects.filter(account__in=accounts, period__gte=periods[0])
        }
        latest = {
            b.account_id: b for b in Balance.objects.filter(account__in=accounts, period__lt=periods[0]).order_by("period")
        }
        services = {(s.organization_id, s.code): s for s in Service.objects.filter(organization__in=self.orgs.values())}
        special = (CONSUMER_ACCOUNT, SECOND_ORG_ACCOUNT)
        new, charges, payments = [], [], []
        for account in accounts:
            rng = random.Random(f"{account.organization_id}-{account.number}")
            habit = rng.random()
            debtor = habit < 0.2 and account.number not in special
            prepayer = habit > 0.9 and account.number not in special
            opening = latest[account.pk].closing if account.pk in latest else Decimal("0.00")
            for period in periods:
                if (account.pk, period) in existing:  # a later run continues the stored chain
                    opening = existing[account.pk, period].closing
                    continue
                lines = self._charge_lines(account, period, rng)
                charged = sum(lines.values(), Decimal("0.00"))
                if debtor:
                    paid = to_money(opening * Decimal("0.5")) if rng.random() < 0.5 else Decimal("0.00")
                elif prepayer:  # pays ahead in round sums: an overpayment (advance)
                    paid = max(Decimal("0.00"), ((opening + charged) // 500 + 1) * 500)
                else:
                    paid = max(opening, Decimal("0.00"))
                closing = opening + charged - paid
                new.append(Balance(account=account, period=period, opening=opening, charged=charged,
                                   paid=paid, closing=closing))
                charges.extend(Charge(account=account, period=period, service=services[account.organization_id, code],
                                      kind=Charge.Kind.FIXED, volume=0, tariff=0, amount=amount,
                                      protocol=HISTORY_PROTOCOL)
                               for code, amount in lines.items() if amount)
                if paid > 0:
                    payments.append(Payment(account=account, amount=paid, paid_on=period + dt.timedelta(days=14),
                                            period=period, source="demo"))
                opening = closing
        Balance.objects.bulk_create(new, batch_size=500)
        Charge.objects.bulk_create(charges, batch_size=500)
        Payment.objects.bulk_create(payments, batch_size=500)
        self._allocate(payments, charges)

    @staticmethod
    def _allocate(payments: list[Payment], charges: list[Charge]):
        """Allocation lines of the history's payments (ГК 319.1, oldest debt first), computed in memory
        by the engine's own rule over the history's charges; an overpayment stays an advance."""
        if not payments:
            return
        pks = [p.pk for p in payments]
        if any(pk is None for pk in pks):  # backends that do not return ids from bulk inserts
            payments = list(Payment.objects.filter(source="demo", allocations__isnull=True).order_by("pk"))
        by_account: dict[int, list] = {}
        for charge in charges:
            by_account.setdefault(charge.account_id, []).append(("charge", charge.period, charge))
        for payment in payments:
            by_account.setdefault(payment.account_id, []).append(("payment", payment.period, payment))
        rows = []
        for account_id, events in by_account.items():
            debts: list[DebtLine] = []
            events.sort(key=lambda e: (e[1], e[0] != "charge"))  # a month's charges before its payment
            for kind, period, item in events:
                if kind == "charge":
                    supplier = item.service.supplier_id or item.account.organization_id
                    debts.append(DebtLine(period, item.service_id, supplier, principal=item.amount))
                    continue
                lines = allocation.allocate(item.amount, debts, paid_on=item.paid_on,
                                            advance_supplier=item.account.organization_id)
                debts = reduce_debts(debts, lines)
                rows.extend(Allocation(payment=item, account_id=account_id, period=line.period, service_id=line.service,
                                       supplier_id=line.supplier, kind=line.kind, amount=line.amount,
                                       paid_on=item.paid_on) for line in lines)
        Allocation.objects.bulk_create(rows, batch_size=500)

    @staticmethod
    def _charge_lines(account, period, rng) -> dict[str, Decimal]:
        """The month's history charges by service code (the same figures the demo always had)."""
        winter = period.month in (1, 2, 3, 10, 11, 12)
        if account.organization.kind == Organization.Kind.SUPPLIER:
            return {"electricity": to_money(Decimal(rng.randint(180, 420)) * Decimal("5.15") * Decimal("0.4"))}
        area = account.area or Decimal("50")
        water = Decimal(account.residents) * Decimal(rng.randint(250, 420))
        return {
            "maintenance": to_money(area * Decimal("31.40")),
            "heating": to_money(area * Decimal("38.75")) if winter else Decimal("0.00"),
            "cold_water": to_money(water),
        }

    def _tariffs(self):
        """Tariffs and normatives of every demo service, and the monthly run's close day (once)."""
        for service in Service.objects.filter(organization__in=self.orgs.values()):
            for zone, price in TARIFFS.get(service.code, {}).items():
                Tariff.objects.get_or_create(organization=service.organization, service=service, zone=zone,
                                             valid_from=TARIFFS_FROM, building=None,
                                             defaults={"price": Decimal(price)})
            if service.code in NORMATIVES:
                Normative.objects.get_or_create(organization=service.organization, service=service,
                                                basis=Normative.Basis.PER_RESIDENT, valid_from=TARIFFS_FROM,
                                                defaults={"value": Decimal(NORMATIVES[service.code])})
        for key in ("uk", "uk_branch"):
            BillingSchedule.objects.get_or_create(organization=self.orgs[key], defaults={"close_day": CLOSE_DAY})

    def _common_house(self):
        """Common areas, the normatives for common property, and the electricity supplier's previous month
        billed by the engine, so the demo shows common-house lines (ОДН) and the loss of ул. Ленина, 12 in
        the panel. Idempotent: a run replaces its own lines."""
        from kabinet.billing.services import run_billing

        for building in Building.objects.filter(common_area__isnull=True):
            building.common_area = COMMON_AREA_PER_FLAT * building.premises.count()
            building.save(update_fields=["common_area"])
        for service in Service.objects.filter(organization__in=self.orgs.values(), code__in=COMMON_NORMATIVES):
            Normative.objects.get_or_create(organization=service.organization, service=service,
                                            basis=Normative.Basis.PER_COMMON_AREA, valid_from=TARIFFS_FROM,
                                            defaults={"value": Decimal(COMMON_NORMATIVES[service.code])})
        # The supplier only: the management company's history stays as it was (its debts and advances);
        # its staff see its own common-house lines after a billing run from the panel.
        run_billing(self.orgs["energo"], add_months(period_start(self.today), -1))

    def _users(self):
        consumer = self._user(CONSUMER_EMAIL, "Демо Абонент", phone=CONSUMER_PHONE)
        for org_key, number in (("uk", CONSUMER_ACCOUNT), ("energo", SECOND_ORG_ACCOUNT)):
            account = PersonalAccount.objects.get(organization=self.orgs[org_key], number=number)
            AccountLink.objects.get_or_create(user=consumer, account=account, defaults={"role": AccountLink.Role.OWNER})
        staff = self._user(STAFF_EMAIL, "Сотрудник УК Пример")
        Membership.objects.get_or_create(
            user=staff, organization=self.orgs["uk"],
            defaults={"roles": list(ALL_ROLES), "position": "Специалист абонентского отдела"},
        )
        self._user(OPERATOR_EMAIL, "Оператор Кабинета", is_superuser=True, is_staff=True)

    def _user(self, email, name, **extra) -> User:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email=email, password=DEMO_PASSWORD, full_name=name,
                                            email_confirmed=True, phone_confirmed=bool(extra.get("phone")), **extra)
        return user
