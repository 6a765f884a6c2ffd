"""Portal fixtures: logged-in clients for the three personas and a helper for flash messages."""

import pytest
from django.utils.html import escape
from django.utils.translation import gettext, override

from kabinet.accounts.models import AccountLink
from tests import factories

BACKEND = "kabinet.accounts.backends.CredentialBackend"


def ru(msgid: str, **params) -> str:
    """The Russian text of a msgid, HTML-escaped as templates render it."""
    with override("ru"):
        text = gettext(msgid)
    return escape(text % params if params else text)


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user, backend=BACKEND)
        return client

    return _login


@pytest.fixture
def delegate(account, bob):
    """`bob` with view + readings rights on `account`, granted by its owner."""
    return factories.AccountLinkFactory(user=bob, account=account, role=AccountLink.Role.DELEGATE, can_readings=True)
