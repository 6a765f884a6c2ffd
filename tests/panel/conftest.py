"""Panel fixtures: staff with chosen roles and a sub-organisation."""

import pytest

from tests import factories


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
