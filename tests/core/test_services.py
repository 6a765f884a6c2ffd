"""Organisation and membership services: permission checks, role merging, audit."""

import pytest

from kabinet.core import services
from kabinet.core.models import Organization
from kabinet.core.roles import Role
from tests import factories


def test_only_operator_creates_organisations(staff, operator):
    with pytest.raises(services.ServiceError):
        services.create_organization(name="X", kind="management", acting_user=staff)
    org = services.create_organization(name="X", kind="management", acting_user=operator)
    assert org.history.get().history_user == operator
    with pytest.raises(services.ServiceError):
        services.create_organization(name=" ", kind="management", acting_user=operator)
    with pytest.raises(services.ServiceError):
        services.create_organization(name="Y", kind="bogus", acting_user=operator)


def test_update_organization_validates_and_records_who(org, staff, other_staff):
    changed = services.update_organization(org, {"inn": "7707083893", "address": "Кемерово"}, acting_user=staff)
    assert set(changed) == {"inn", "address"}
    assert org.history.first().history_user == staff
    assert services.update_organization(org, {"inn": "7707083893"}, acting_user=staff) == []
    with pytest.raises(services.ServiceError):
        services.update_organization(org, {"inn": "123"}, acting_user=staff)
    with pytest.raises(services.ServiceError):
        services.update_organization(org, {"parent": None}, acting_user=staff)
    with pytest.raises(services.ServiceError):
        services.update_organization(org, {"address": "чужой"}, acting_user=other_staff)
    assert Organization.objects.get(pk=org.pk).address == "Кемерово"


def test_grant_only_held_roles(org, bob):
    actor = factories.StaffMembershipFactory(organization=org, roles=[Role.STAFF, Role.USERS]).user
    with pytest.raises(services.ServiceError):
        services.add_staff_member(org, bob, [Role.APPEALS], acting_user=actor)
    membership = services.add_staff_member(org, bob, [Role.USERS], acting_user=actor)
    assert membership.roles == [Role.USERS]
    with pytest.raises(services.ServiceError):
        services.add_staff_member(org, bob, [Role.USERS], acting_user=actor)


def test_set_roles_keeps_foreign_roles(org):
    actor = factories.StaffMembershipFactory(organization=org, roles=[Role.STAFF, Role.USERS]).user
    member = factories.StaffMembershipFactory(organization=org, roles=[Role.APPEALS, Role.USERS])
    services.set_member_roles(member, [Role.STAFF], acting_user=actor)
    member.refresh_from_db()
    assert set(member.roles) == {Role.APPEALS, Role.STAFF}
    with pytest.raises(services.ServiceError):
        services.set_member_roles(member, [Role.ANNOUNCEMENTS], acting_user=actor)


def test_without_staff_role_nothing_is_grantable(org, bob):
    actor = factories.StaffMembershipFactory(organization=org, roles=[Role.USERS]).user
    assert services.grantable_roles(actor, org) == set()
    with pytest.raises(services.ServiceError):
        services.add_staff_member(org, bob, [], acting_user=actor)


def test_blocked_membership_is_restored_by_adding(org, operator, bob):
    membership = factories.StaffMembershipFactory(organization=org, user=bob, is_active=False, roles=[Role.USERS])
    restored = services.add_staff_member(org, bob, [Role.STAFF], acting_user=operator)
    assert restored.pk == membership.pk and restored.is_active and restored.roles == [Role.STAFF]


def test_set_membership_active(org, operator):
    member = factories.StaffMembershipFactory(organization=org)
    services.set_membership_active(member, False, acting_user=operator)
    member.refresh_from_db()
    assert not member.is_active
    assert member.history.first().history_user == operator
    own = factories.StaffMembershipFactory(organization=org, user=operator)
    with pytest.raises(services.ServiceError):
        services.set_membership_active(own, False, acting_user=operator)
