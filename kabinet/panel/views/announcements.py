"""Announcements (role `announcements`): the list, create (audience, schedule, expiry, kind), edit
(versioned once published, with the versions shown), publish, withdraw. Writes are
`kabinet.comms.services.announcements`."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kabinet.comms import selectors as comms
from kabinet.comms.models import Announcement
from kabinet.comms.services import CommsError
from kabinet.comms.services import announcements as services
from kabinet.core.roles import Role
from kabinet.panel import selectors
from kabinet.panel.forms_comms import AnnouncementForm
from kabinet.panel.scope import panel_view
from kabinet.panel.views.common import paginate
from kabinet.registry.models import PersonalAccount

ERROR_FIELDS = {"title": "title", "text": "text", "kind": "kind", "audience": "audience", "buildings": "buildings",
                "streets": "streets", "accounts": "accounts", "expires_at": "expires_at"}


@panel_view(Role.ANNOUNCEMENTS, module="announcements")
def announcement_list(request):
    orgs = request.panel.orgs(Role.ANNOUNCEMENTS)
    announcements = (comms.staff_announcements(request.user).filter(organization__in=orgs)
                     .select_related("organization", "created_by").order_by("-created_at", "-pk"))
    status = request.GET.get("status", "")
    if status in Announcement.Status.values:
        announcements = announcements.filter(status=status)
    return render(request, "panel/announcement_list.html", {
        "page": paginate(request, announcements), "status": status, "statuses": Announcement.Status.choices,
    })


def _announcement(request, pk) -> Announcement:
    found = (comms.staff_announcements(request.user).select_related("organization", "created_by")
             .filter(pk=pk).first())
    if found is None:
        raise Http404
    return found


def _form(request, announcement=None):
    orgs = request.panel.orgs(Role.ANNOUNCEMENTS, narrow=False)
    if announcement is not None:
        orgs = orgs.filter(pk=announcement.organization_id)
    buildings = selectors.buildings_of(orgs)
    streets = buildings.order_by("settlement", "street").values_list("settlement", "street").distinct()
    initial = {"organization": request.panel.current.pk if request.panel.current else None}
    if announcement is not None:
        initial = {
            "organization": announcement.organization_id, "title": announcement.title, "text": announcement.text,
            "kind": announcement.kind, "audience": announcement.audience, "pinned": announcement.pinned,
            "is_public": announcement.is_public, "expires_at": announcement.expires_at,
            "buildings": list(announcement.buildings.all()),
            "streets": [f"{s.settlement}|{s.street}" for s in announcement.streets.all()],
            "accounts": " ".join(announcement.accounts.order_by("number").values_list("number", flat=True)),
        }
    accounts = PersonalAccount.objects.filter(organization__in=orgs)
    return AnnouncementForm(request.POST or None, initial=initial, organizations=orgs.order_by("path"),
                            buildings=buildings, streets=list(streets), accounts_qs=accounts, editing=announcement)


def _place(form, exc: CommsError):
    form.add_service_error(ERROR_FIELDS.get(exc.code), exc.message)


@panel_view(Role.ANNOUNCEMENTS, module="announcements")
def announcement_create(request):
    form = _form(request)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            announcement = services.create_announcement(
                request.user, data["organization"], title=data["title"], text=data["text"], kind=data["kind"],
                audience=data["audience"], buildings=[b.pk for b in data["buildings"]], streets=form.street_pairs(),
                accounts=data.get("account_ids", []), expires_at=data["expires_at"], pinned=data["pinned"],
                is_public=data["is_public"])
        except CommsError as exc:
            _place(form, exc)
        else:
            if data["publish"] == "draft":
                messages.success(request, _("Announcement saved as a draft."))
                return redirect("panel:announcement_detail", pk=announcement.pk)
            try:
                services.publish_announcement(request.user, announcement.pk,
                                              publish_at=data["publish_at"] if data["publish"] == "at" else None)
            except CommsError as exc:  # e.g. it would expire before it is published: the draft stays
                messages.error(request, _("The announcement is saved as a draft, not published: %(reason)s")
                               % {"reason": exc.message})
            else:
                messages.success(request, _("Announcement published."))
            return redirect("panel:announcement_detail", pk=announcement.pk)
    return render(request, "panel/announcement_form.html", {"form": form, "announcement": None},
                  status=400 if form.errors else 200)


@panel_view(Role.ANNOUNCEMENTS, module="announcements")
def announcement_detail(request, pk):
    announcement = _announcement(request, pk)
    return render(request, "panel/announcement_detail.html", {
        "announcement": announcement,
        "versions": announcement.versions.select_related("edited_by").order_by("-version"),
        "buildings": announcement.buildings.order_by("settlement", "street", "house"),
        "streets": announcement.streets.all(),
        "accounts": announcement.accounts.order_by("number"),
    })


@panel_view(Role.ANNOUNCEMENTS, module="announcements")
def announcement_edit(request, pk):
    announcement = _announcement(request, pk)
    if announcement.status == Announcement.Status.WITHDRAWN:
        messages.error(request, _("A withdrawn announcement cannot be edited."))
        return redirect("panel:announcement_detail", pk=announcement.pk)
    form = _form(request, announcement)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        changes = {name: data[name] for name in services.CONTENT_FIELDS}
        extra = {}
        if announcement.status == Announcement.Status.DRAFT:
            changes["audience"] = data["audience"]
            extra = {"buildings": [b.pk for b in data["buildings"]], "streets": form.street_pairs(),
                     "accounts": data.get("account_ids", [])}
        try:
            services.edit_announcement(request.user, announcement.pk, changes, **extra)
        except CommsError as exc:
            _place(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("panel:announcement_detail", pk=announcement.pk)
    return render(request, "panel/announcement_form.html", {"form": form, "announcement": announcement},
                  status=400 if form.errors else 200)


@require_POST
@panel_view(Role.ANNOUNCEMENTS, module="announcements")
def announcement_publish(request, pk):
    announcement = _announcement(request, pk)
    try:
        services.publish_announcement(request.user, announcement.pk)
    except CommsError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Announcement published."))
    return redirect("panel:announcement_detail", pk=announcement.pk)


@require_POST
@panel_view(Role.ANNOUNCEMENTS, module="announcements")
def announcement_withdraw(request, pk):
    announcement = _announcement(request, pk)
    try:
        services.withdraw_announcement(request.user, announcement.pk)
    except CommsError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Announcement withdrawn: the portal no longer shows it."))
    return redirect("panel:announcement_detail", pk=announcement.pk)
