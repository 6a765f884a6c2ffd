"""consumer_history_meters: the meters whose page and history a consumer may open (the API's meter
detail and readings history use it; consumer_meter is one of them by id)."""

from kabinet.accounts.models import AccountLink
from kabinet.metering import selectors
from kabinet.metering.models import Meter
from tests import factories
from tests.metering.factories import MeterFactory


def test_registered_meters_of_linked_accounts_retired_ones_included(alice, bob, account, charlie):
    active = MeterFactory(account=account)
    retired = MeterFactory(account=account, status=Meter.Status.RETIRED)
    MeterFactory(account=account, is_registered=False)
    MeterFactory(account=None, building=account.premises.building, organization=account.organization)
    MeterFactory(account=charlie.account_links.get().account)
    assert set(selectors.consumer_history_meters(alice)) == {active, retired}
    assert selectors.consumer_meter(alice, retired.pk) == retired
    assert set(selectors.consumer_meters(alice)) == {active}  # the list leaves a retired meter out
    assert not selectors.consumer_history_meters(bob).exists()


def test_the_right_is_checked(alice, bob, account):
    meter = MeterFactory(account=account)
    factories.AccountLinkFactory(user=bob, account=account, role=AccountLink.Role.DELEGATE)
    assert list(selectors.consumer_history_meters(bob)) == [meter]
    assert not selectors.consumer_history_meters(bob, "readings").exists()
    assert list(selectors.consumer_history_meters(alice, "readings")) == [meter]
