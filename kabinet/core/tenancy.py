"""One access path for tenant data: which organisations a user may see, as staff or operator.

Every query that serves a staff request starts from `staff_organizations(user, role)`; another
tenant's object is then a 404 exactly like a missing one.
"""

from kabinet.core.models import Membership, Organization


def is_operator(user) -> bool:
    """The service operator hosts every organisation (a superuser)."""
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def staff_memberships(user):
    if not user.is_authenticated or not user.is_active:
        return Membership.objects.none()
    return Membership.objects.filter(user=user, is_active=True, organization__is_active=True)


def staff_organizations(user, role: str | None = None):
    """Organisations the user may act on as staff (with `role`, if given), sub-organisations included."""
    if is_operator(user):
        return Organization.objects.all()
    roots = [m.organization for m in staff_memberships(user).select_related("organization")
             if role is None or role in m.roles]
    return Organization.objects.subtree_of(roots)


def staff_roles(user, organization: Organization) -> set[str]:
    """Roles the user holds on `organization`, inherited from memberships on its ancestors."""
    from kabinet.core.roles import ALL_ROLES

    if is_operator(user):
        return set(ALL_ROLES)
    roles: set[str] = set()
    for m in staff_memberships(user).select_related("organization"):
        if organization.path.startswith(m.organization.path):
            roles.update(m.roles)
    return roles


def is_staff_member(user) -> bool:
    return is_operator(user) or staff_memberships(user).exists()
