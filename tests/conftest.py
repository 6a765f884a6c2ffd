"""Shared fixtures: the three personas of STYLE.md (owner, colleague/delegate, stranger)."""

import pytest

from kabinet.comms import sms
from tests import factories
from tests.factories import PASSWORD


@pytest.fixture(autouse=True)
def _clean_sms_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def org(db):
    return factories.OrganizationFactory(name="ООО «УК Пример»")


@pytest.fixture
def other_org(db):
    return factories.OrganizationFactory(name="ООО «Чужая УК»")


@pytest.fixture
def account(org):
    return factories.AccountFactory(organization=org, number="1000200", receipt_code="123456")


@pytest.fixture
def alice(account):
    """The owner of `account`."""
    user = factories.UserFactory(email="alice@example.com", phone="+79120000001", phone_confirmed=True)
    factories.AccountLinkFactory(user=user, account=account)
    return user


@pytest.fixture
def bob(db):
    """A user with no rights on `account` until a test grants some."""
    return factories.UserFactory(email="bob@example.com", phone="+79120000002")


@pytest.fixture
def charlie(other_org):
    """A stranger: owner of an account in another organisation."""
    user = factories.UserFactory(email="charlie@example.com")
    factories.AccountLinkFactory(user=user, account=factories.AccountFactory(organization=other_org))
    return user


@pytest.fixture
def staff(org):
    membership = factories.StaffMembershipFactory(organization=org, user__email="staff@example.com")
    return membership.user


@pytest.fixture
def other_staff(other_org):
    membership = factories.StaffMembershipFactory(organization=other_org, user__email="otherstaff@example.com")
    return membership.user


@pytest.fixture
def operator(db):
    return factories.UserFactory(email="admin@example.com", is_superuser=True, is_staff=True)
