"""Shared fixtures: the three personas of STYLE.md (owner, colleague/delegate, stranger), and the
browser for end-to-end tests."""

import os

import pytest

from kabinet.comms import sms
from tests import factories
from tests.factories import PASSWORD

pytest_plugins = ["tests.billing.bill_fixtures"]  # `billed`: a closed month with a bill to print


@pytest.fixture(autouse=True)
def _private_files_in_tmp(settings, tmp_path_factory):
    """Private files (bills, attachments) go to a temporary folder, never into the checkout's var/."""
    settings.KABINET_PRIVATE_MEDIA_ROOT = tmp_path_factory.getbasetemp() / "private"


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


# --- Browser (Playwright's sync API driving Debian's Chromium; `make test` installs it) ----------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    """One Chromium per test process. Playwright's sync API keeps an event loop running in this
    thread from here on; the ORM calls of the (synchronous) tests are still safe, so Django is told so."""
    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="ru-RU")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()
