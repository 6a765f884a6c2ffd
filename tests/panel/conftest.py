"""Panel fixtures: staff with chosen roles, a sub-organisation, and a login URL that resolves."""

import pytest
from django.shortcuts import resolve_url
from django.urls import NoReverseMatch

from tests import factories


@pytest.fixture(autouse=True)
def _login_url(settings):
    # The portal's login view is built separately; until it exists, redirect to a plain path.
    try:
        resolve_url(settings.LOGIN_URL)
    except NoReverseMatch:
        settings.LOGIN_URL = "/login/"


@pytest.fixture
def make_staff(db):
    def make(organization, roles, **user):
        return factories.StaffMembershipFactory(organization=organization, roles=list(roles),
                                                **{f"user__{k}": v for k, v in user.items()}).user
    return make


@pytest.fixture
def sub_org(org):
    return factories.OrganizationFactory(name="ООО «Участок №2»", parent=org)


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client
    return login
