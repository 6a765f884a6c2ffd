import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from kabinet.billing.models import Balance
from kabinet.core.models import Membership, Organization
from kabinet.core.tenancy import staff_organizations
from kabinet.demo.data import DEMO_PASSWORD, MONTHS
from kabinet.registry.models import PersonalAccount


@pytest.fixture
def demo(db):
    call_command("demo", stdout=open("/dev/null", "w"))


def test_demo_has_the_promised_shape(demo):
    orgs = Organization.objects.all()
    assert orgs.count() >= 2
    assert orgs.filter(parent__isnull=False).exists(), "one organisation has a sub-organisation"
    assert PersonalAccount.objects.count() >= 50
    assert PersonalAccount.objects.values("premises__building__street").distinct().count() >= 3
    periods = Balance.objects.filter(account__number="1000200").values_list("period", flat=True)
    assert len(set(periods)) == MONTHS


def test_demo_logins_work(demo, rf):
    for username in ("demo@example.com", "1000200", "staff@example.com", "admin@example.com"):
        assert authenticate(rf.post("/login/"), username=username, password=DEMO_PASSWORD) is not None, username


def test_demo_consumer_has_an_account_in_each_of_two_organisations(demo):
    accounts = PersonalAccount.objects.filter(links__user__email="demo@example.com")
    numbers = set(accounts.values_list("number", flat=True))
    assert "1000200" in numbers
    assert accounts.values("organization").distinct().count() == 2


def test_demo_staff_is_staff_of_the_first_organisation_only(demo):
    staff = Membership.objects.get(user__email="staff@example.com")
    visible = staff_organizations(staff.user)
    roots = {o.pk for o in visible if o.parent_id is None}
    assert roots == {staff.organization_id}
    assert visible.filter(parent=staff.organization).exists(), "covers its sub-organisation"


def test_demo_is_idempotent(demo):
    counts = (PersonalAccount.objects.count(), Balance.objects.count(), Organization.objects.count())
    call_command("demo", stdout=open("/dev/null", "w"))
    assert (PersonalAccount.objects.count(), Balance.objects.count(), Organization.objects.count()) == counts


def test_demo_balances_reconcile(demo):
    for balance in Balance.objects.all()[:200]:
        assert balance.closing == balance.opening + balance.charged + balance.recalculated + balance.penalty - balance.paid
