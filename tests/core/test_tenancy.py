from kabinet.core.models import Organization
from kabinet.core.tenancy import staff_organizations, staff_roles
from tests import factories


def test_staff_see_their_organisation_and_its_subtree_only(staff, org, other_org):
    child = factories.OrganizationFactory(parent=org)
    grandchild = factories.OrganizationFactory(parent=child)
    assert set(staff_organizations(staff)) == {org, child, grandchild}
    assert other_org not in staff_organizations(staff)


def test_a_role_on_a_child_does_not_cover_the_parent(org):
    child = factories.OrganizationFactory(parent=org)
    member = factories.StaffMembershipFactory(organization=child, roles=["users"]).user
    assert set(staff_organizations(member)) == {child}
    assert staff_roles(member, org) == set()
    assert staff_roles(member, child) == {"users"}


def test_staff_organizations_by_role(org):
    member = factories.StaffMembershipFactory(organization=org, roles=["appeals"]).user
    assert list(staff_organizations(member, "appeals")) == [org]
    assert not staff_organizations(member, "users").exists()


def test_inactive_membership_or_user_sees_nothing(org):
    membership = factories.StaffMembershipFactory(organization=org)
    membership.is_active = False
    membership.save()
    assert not staff_organizations(membership.user).exists()


def test_operator_sees_all(operator, org, other_org):
    assert set(staff_organizations(operator)) >= {org, other_org}


def test_moving_a_subtree_rewrites_paths(org, other_org):
    child = factories.OrganizationFactory(parent=org)
    grandchild = factories.OrganizationFactory(parent=child)
    child.parent = other_org
    child.save()
    grandchild.refresh_from_db()
    assert grandchild.path == f"{other_org.pk}/{child.pk}/{grandchild.pk}/"
    assert set(Organization.objects.subtree_of([other_org])) == {other_org, child, grandchild}
