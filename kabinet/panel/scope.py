"""Who is in the panel, which organisations they see, and which modules they may use.

Every panel view runs under `panel_view(role)`: anonymous → login; not staff → 403; without the
module's role → 403. Querysets come from `kabinet.core.tenancy.staff_organizations`, narrowed to the
organisation chosen in the switcher (kept in the session).
"""

from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.cache import never_cache

from kabinet.core.models import Organization
from kabinet.core.roles import BILLING_ROLE, TURNOVER_ROLES, Role
from kabinet.core.tenancy import is_operator, staff_memberships, staff_organizations

SESSION_KEY = "panel_organization"
ALL = "all"


@dataclass(frozen=True)
class Module:
    key: str
    label: str
    url_name: str
    role: str | tuple[str, ...] | None = None  # a tuple: any one of these roles opens the module
    operator_only: bool = False


# Meters are seen with "new readings" and changed with "manual editing"; reading settings belong to
# the organisation's properties and to the consumption channels.
METER_ROLES = (Role.READINGS, Role.MANUAL_EDITING)
SETTINGS_ROLES = (Role.ORGANIZATION, Role.CHANNELS)
# Tariffs, normatives and building groups are the data the runs price with: those who load the data
# and those who edit it by hand keep them.
RATE_ROLES = (Role.DATA_LOADING, Role.MANUAL_EDITING)
# The turnover sheet is read by those who load the data and by the organisation's management; billing
# runs and closing periods belong to those who load the data the runs bill.


# The modules of seed 003 built so far, in the order of its menu.
MODULES = [
    # A context: other catalogues translate a bare "Summary" differently.
    Module("summary", pgettext_lazy("panel module", "Summary"), "panel:summary"),
    Module("organization", _("Organisation"), "panel:organization", Role.ORGANIZATION),
    Module("users", _("Users"), "panel:user_list", Role.USERS),
    Module("meters", _("Meters"), "panel:meter_list", METER_ROLES),
    Module("readings", _("Readings"), "panel:reading_list", Role.READINGS),
    Module("appeals", _("Appeals"), "panel:appeal_list", Role.APPEALS),
    Module("announcements", _("Announcements"), "panel:announcement_list", Role.ANNOUNCEMENTS),
    Module("staff", _("Staff"), "panel:staff_list", Role.STAFF),
    Module("reading_settings", _("Reading settings"), "panel:reading_settings", SETTINGS_ROLES),
    Module("billing", _("Billing"), "panel:billing_runs", BILLING_ROLE),
    Module("rates", _("Tariffs and normatives"), "panel:rates", RATE_ROLES),
    Module("turnover", _("Turnover sheet"), "panel:turnover", TURNOVER_ROLES),
    Module("common_house", _("Common-house losses"), "panel:common_house", TURNOVER_ROLES),
    Module("payment_registry", _("Payment registry"), "panel:payment_registry", TURNOVER_ROLES),
    Module("organizations", _("All organisations"), "panel:organization_list", operator_only=True),
]


class PanelScope:
    """The staff member's view of the tenants for one request."""

    def __init__(self, request):
        self.request = request
        self.user = request.user
        self.operator = is_operator(self.user)
        self.memberships = [] if self.operator else list(staff_memberships(self.user).select_related("organization"))
        self.is_staff = self.operator or bool(self.memberships)

    @cached_property
    def organizations(self) -> list[Organization]:
        """Every organisation the user may see (for the switcher), in tree order.

        The same set as staff_organizations(user), built from the memberships already loaded."""
        if self.operator:
            return list(Organization.objects.order_by("path"))
        return list(Organization.objects.subtree_of(self.root_organizations).order_by("path"))

    @cached_property
    def current(self) -> Organization | None:
        """The organisation chosen in the switcher, or None for all of the user's organisations."""
        chosen = self.request.session.get(SESSION_KEY)
        if chosen == ALL:
            return None
        by_id = {org.pk: org for org in self.organizations}
        if chosen is not None and chosen in by_id:
            return by_id[chosen]
        roots = self.root_organizations
        return roots[0] if len(roots) == 1 and not self.operator else None

    @cached_property
    def root_organizations(self) -> list[Organization]:
        orgs = sorted({m.organization for m in self.memberships}, key=lambda o: o.path)
        return [o for o in orgs if not any(o is not p and o.path.startswith(p.path) for p in orgs)]

    def depth(self, organization: Organization) -> int:
        return organization.path.count("/") - 1

    def roles_on(self, organization: Organization) -> set[str]:
        """Roles held on `organization` (inherited from its ancestors), without a query."""
        if self.operator:
            return {r.value for r in Role}
        roles: set[str] = set()
        for m in self.memberships:
            if organization.path.startswith(m.organization.path):
                roles.update(m.roles)
        return roles

    def has_role(self, role: str | tuple[str, ...], *, narrow: bool = True) -> bool:
        """The role (or one of the roles) is held on some organisation (within the current selection,
        if `narrow`)."""
        if self.operator:
            return True
        if isinstance(role, tuple):
            return any(self.has_role(r, narrow=narrow) for r in role)
        current = self.current if narrow else None
        for m in self.memberships:
            if role not in m.roles:
                continue
            if current is None or m.organization.path.startswith(current.path) \
                    or current.path.startswith(m.organization.path):
                return True
        return False

    def orgs(self, role: str | tuple[str, ...] | None = None, *, narrow: bool = True):
        """Organisations usable with `role` (or any of the roles); narrowed to the switcher's choice
        for lists and counts.

        Object pages look things up with narrow=False, so a link keeps working whatever is chosen.
        """
        if isinstance(role, tuple):
            # The union of staff_organizations(user, r) for each role, from the memberships in hand.
            roots = [m.organization for m in self.memberships if any(r in m.roles for r in role)]
            qs = Organization.objects.all() if self.operator else Organization.objects.subtree_of(roots)
        else:
            qs = staff_organizations(self.user, role)
        if narrow and self.current is not None:
            qs = qs.filter(path__startswith=self.current.path)
        return qs

    def menu(self):
        items = []
        for module in MODULES:
            if module.operator_only and not self.operator:
                continue
            if module.role and not self.has_role(module.role):
                continue
            items.append({"key": module.key, "label": module.label, "url": reverse(module.url_name)})
        return items


def forbidden(request, message=None):
    return render(request, "panel/forbidden.html", {"message": message}, status=403)


def panel_view(role: str | None = None, *, operator_only: bool = False, module: str | None = None):
    """Guard a panel view and put the PanelScope on `request.panel`."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            scope = PanelScope(request)
            if not scope.is_staff:
                return forbidden(request)
            request.panel = scope
            request.panel_module = module
            if operator_only and not scope.operator:
                return forbidden(request)
            if role and not scope.has_role(role, narrow=False):
                return forbidden(request)
            return view(request, *args, **kwargs)

        return never_cache(wrapper)

    return decorator
