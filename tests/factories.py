"""Factories for the domain models: each test builds exactly what it needs."""

import datetime as dt
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from kabinet.accounts.models import AccountLink, User
from kabinet.billing.models import Balance
from kabinet.core.models import Membership, Organization
from kabinet.core.roles import ALL_ROLES
from kabinet.registry.models import Building, PersonalAccount, Premises, Service

PASSWORD = "correct-horse-42"


class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"ООО «УК {n}»")
    kind = Organization.Kind.MANAGEMENT
    inn = factory.Sequence(lambda n: f"77{n:08d}")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Sequence(lambda n: f"Пользователь {n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class StaffMembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    roles = factory.LazyFunction(lambda: list(ALL_ROLES))


class BuildingFactory(DjangoModelFactory):
    class Meta:
        model = Building

    settlement = "Кемерово"
    street = factory.Sequence(lambda n: f"ул. Ленина {n}")
    house = factory.Sequence(lambda n: str(n + 1))


class PremisesFactory(DjangoModelFactory):
    class Meta:
        model = Premises

    building = factory.SubFactory(BuildingFactory)
    number = factory.Sequence(lambda n: str(n + 1))
    area = Decimal("54.30")


class AccountFactory(DjangoModelFactory):
    class Meta:
        model = PersonalAccount

    organization = factory.SubFactory(OrganizationFactory)
    premises = factory.SubFactory(PremisesFactory)
    number = factory.Sequence(lambda n: f"{2000000 + n}")
    holder_name = "Иванов И. И."
    residents = 2
    area = Decimal("54.30")
    receipt_code = factory.Sequence(lambda n: f"{(n * 7919) % 1000000:06d}")


class AccountLinkFactory(DjangoModelFactory):
    class Meta:
        model = AccountLink

    user = factory.SubFactory(UserFactory)
    account = factory.SubFactory(AccountFactory)
    role = AccountLink.Role.OWNER


class ServiceFactory(DjangoModelFactory):
    class Meta:
        model = Service

    organization = factory.SubFactory(OrganizationFactory)
    code = factory.Sequence(lambda n: f"service-{n}")
    name = factory.Sequence(lambda n: f"Услуга {n}")
    unit = "м³"


class BalanceFactory(DjangoModelFactory):
    class Meta:
        model = Balance

    account = factory.SubFactory(AccountFactory)
    period = dt.date(2026, 10, 1)
    opening = Decimal("0.00")
    charged = Decimal("1500.00")
    paid = Decimal("0.00")
