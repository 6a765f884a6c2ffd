import pytest
from django.utils import translation

from kabinet.comms.models import AppealCategory


@pytest.fixture(autouse=True)
def _english_and_private_media(settings, tmp_path):
    """Messages asserted in English; attachments stored in a temporary private root."""
    settings.KABINET_PRIVATE_MEDIA_ROOT = tmp_path / "private"
    with translation.override("en"):
        yield


@pytest.fixture
def category(org):
    return AppealCategory.objects.create(organization=org, name="Billing question", deadline_days=5)


@pytest.fixture
def delegate(bob, account):
    """bob as a delegate of `account` with the appeals right."""
    from tests.factories import AccountLinkFactory

    AccountLinkFactory(user=bob, account=account, role="delegate", can_appeals=True)
    return bob
