"""The demo data set: two organisations (one with a sub-organisation), 60+ accounts with services
and 12 months of balances, and the demo logins of DESIGN.md §5. Idempotent: running it again adds
only what is missing (e.g. the new month)."""

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from kabinet.accounts.models import AccountLink, User
from kabinet.billing.models import Balance
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
        ("sewage", "Водоотведение", "м³", Service.Method.METERED),
    ],
    "energo": [("electricity", "Электроснабжение", "кВт·ч", Service.Method.METERED)],
}


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
        return {"accounts": PersonalAccount.objects.count(), "organisations": Organization.objects.count()}

    def _organisations(self):
        for key, fields in ORGS.items():
            parent = self.orgs["uk"] if key == "uk_branch" else None
            org, _ = Organization.objects.get_or_create(
                inn=fields["inn"], kpp=fields["kpp"], defaults={**fields, "parent": parent}
            )
            self.orgs[key] = org

    def _services(self):
        for key, services in SERVICES.items():
            for org_key in [key] + (["uk_branch"] if key == "uk" else []):
                for code, name, unit, method in services:
                    Service.objects.get_or_create(
                        organization=self.orgs[org_key], code=code,
                        defaults={"name": name, "unit": unit, "method": method},
                    )

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
        special = (CONSUMER_ACCOUNT, SECOND_ORG_ACCOUNT)
        new = []
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
                charged = self._charge(account, period, rng)
                if debtor:
                    paid = to_money(opening * Decimal("0.5")) if rng.random() < 0.5 else Decimal("0.00")
                elif prepayer:  # pays ahead in round sums: an overpayment (advance)
                    paid = max(Decimal("0.00"), ((opening + charged) // 500 + 1) * 500)
                else:
                    paid = max(opening, Decimal("0.00"))
                closing = opening + charged - paid
                new.append(Balance(account=account, period=period, opening=opening, charged=charged,
                                   paid=paid, closing=closing))
                opening = closing
        Balance.objects.bulk_create(new, batch_size=500)

    @staticmethod
    def _charge(account, period, rng) -> Decimal:
        winter = period.month in (1, 2, 3, 10, 11, 12)
        if account.organization.kind == Organization.Kind.SUPPLIER:
            return to_money(Decimal(rng.randint(180, 420)) * Decimal("5.15") * Decimal("0.4"))
        area = account.area or Decimal("50")
        heat = area * Decimal("38.75") if winter else Decimal("0")
        water = Decimal(account.residents) * Decimal(rng.randint(250, 420))
        return to_money(area * Decimal("31.40") + heat + water)

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
