"""The summary page, the organisation switcher and list helpers."""

from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from kabinet.core.roles import Role
from kabinet.panel import selectors
from kabinet.panel.scope import ALL, SESSION_KEY, panel_view

PAGE_SIZE = 25


def paginate(request, queryset, per_page=PAGE_SIZE):
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def organization_or_choice(request, organizations, *, heading: str, detail: str):
    """A module's entry page: the organisation chosen in the switcher (`detail`: the URL name of an
    organisation's page in the module), or the list of `organizations` to choose one from."""
    organizations = organizations.order_by("path")
    current = request.panel.current
    if current is not None and organizations.filter(pk=current.pk).exists():
        return redirect(detail, pk=current.pk)
    return render(request, "panel/organization_choose.html", {
        "page": paginate(request, organizations), "heading": heading, "detail": detail})


def safe_next(request, fallback="panel:summary"):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return fallback


@panel_view(module="summary")
def summary(request):
    scope = request.panel
    awaiting = None
    if scope.has_role(Role.READINGS):
        awaiting = selectors.readings_awaiting_review(scope.orgs(Role.READINGS))
    appeals = None
    if scope.has_role(Role.APPEALS):
        from kabinet.panel.views.appeals import summary_counts

        appeals = summary_counts(scope)  # one query
    return render(request, "panel/summary.html", {
        "stats": selectors.summary(scope.orgs()),
        "current": scope.current,
        "awaiting_review": awaiting,
        "appeals": appeals,
    })


@require_POST
@panel_view()
def switch_organization(request):
    """Keep the chosen organisation (or "all") in the session; an unknown one means "all"."""
    scope = request.panel
    chosen = request.POST.get("organization", "")
    allowed = {org.pk for org in scope.organizations}
    if chosen.isdigit() and int(chosen) in allowed:
        request.session[SESSION_KEY] = int(chosen)
    else:
        request.session[SESSION_KEY] = ALL
    return redirect(safe_next(request))
