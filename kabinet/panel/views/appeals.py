"""Appeals (role `appeals`): the inbox with filters, the appeal page with its whole thread (internal
notes too), reply, internal note, assign, change status; attachments through a checked view; the
categories of appeals with their deadlines. Writes are `kabinet.comms.services.appeals`."""

from django.contrib import messages
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kabinet.comms import rules
from kabinet.comms import selectors as comms
from kabinet.comms.models import Appeal, AppealCategory
from kabinet.comms.services import CommsError
from kabinet.comms.services import appeals as services
from kabinet.core.models import Membership, Organization
from kabinet.core.roles import Role
from kabinet.panel import selectors
from kabinet.panel.forms_comms import (
    AppealFilterForm,
    AssignForm,
    CategoryForm,
    NoteForm,
    ReplyForm,
    StatusForm,
)
from kabinet.panel.scope import panel_view
from kabinet.panel.views.common import paginate


def appeal_staff(organizations):
    """Active staff with the appeals role on any of `organizations` (or an ancestor), by name; one query.
    The service checks the role on the appeal's own organisation when assigning."""
    paths = list(organizations.values_list("path", flat=True))
    ancestor_ids = {int(pk) for path in paths for pk in path.strip("/").split("/") if pk}
    memberships = (Membership.objects.filter(organization_id__in=ancestor_ids, is_active=True, user__is_active=True)
                   .select_related("user").order_by("user__full_name", "user__email", "user__pk"))
    seen, users = set(), []
    for m in memberships:
        if Role.APPEALS in m.roles and m.user_id not in seen:
            seen.add(m.user_id)
            users.append(m.user)
    return users


def summary_counts(scope) -> dict:
    """New and overdue appeals for the summary, narrowed like the rest of it: one query (the
    organisations come from the memberships already loaded)."""
    today = timezone.localdate()
    return Appeal.objects.filter(organization__in=scope.orgs((Role.APPEALS,))).aggregate(
        new=Count("pk", filter=Q(status=Appeal.Status.NEW)),
        overdue=Count("pk", filter=Q(status__in=rules.OPEN_STATUSES, due_date__lt=today)),
    )


def _categories(organizations):
    return AppealCategory.objects.filter(organization__in=organizations).order_by("organization__path", "position",
                                                                                 "name")


@panel_view(Role.APPEALS, module="appeals")
def appeal_list(request):
    orgs = request.panel.orgs(Role.APPEALS)
    form = AppealFilterForm(request.GET, categories=_categories(orgs), buildings=selectors.buildings_of(orgs),
                            staff=appeal_staff(orgs))
    appeals = comms.staff_appeal_list(request.user, **form.filters()).filter(organization__in=orgs)
    return render(request, "panel/appeal_list.html", {"form": form, "page": paginate(request, appeals)})


def _appeal(request, pk):
    appeal = comms.get_appeal_for_staff(request.user, pk)
    if appeal is None:
        raise Http404
    return appeal


def _render_appeal(request, appeal, *, reply_form=None, note_form=None, status=200):
    staff = appeal_staff(Organization.objects.filter(pk=appeal.organization_id))
    return render(request, "panel/appeal_detail.html", {
        "appeal": appeal,
        "reply_form": reply_form or ReplyForm(),
        "note_form": note_form or NoteForm(),
        "assign_form": AssignForm(initial={"assignee": appeal.assignee_id or ""}, staff=staff),
        "status_form": StatusForm(initial={"status": appeal.status}),
        "transitions": sorted(rules.STAFF_TRANSITIONS.get(appeal.status, ())),
    }, status=status)


@panel_view(Role.APPEALS, module="appeals")
def appeal_detail(request, pk):
    return _render_appeal(request, _appeal(request, pk))


def _write(request, pk, form_class, *, internal):
    appeal = _appeal(request, pk)
    if request.method != "POST":
        return redirect("panel:appeal_detail", pk=appeal.pk)
    form = form_class(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.staff_reply(request.user, appeal.pk, form.cleaned_data["text"], form.cleaned_data["files"],
                                 internal=internal)
        except CommsError as exc:
            form.add_error("files" if exc.code in ("attachment", "too_many_files") else "text", exc.message)
        else:
            messages.success(request, _("Internal note added.") if internal
                             else _("Reply sent; the consumer is notified."))
            return redirect("panel:appeal_detail", pk=appeal.pk)
    forms_ = {"note_form": form} if internal else {"reply_form": form}
    return _render_appeal(request, appeal, status=400, **forms_)


@panel_view(Role.APPEALS, module="appeals")
def appeal_reply(request, pk):
    return _write(request, pk, ReplyForm, internal=False)


@panel_view(Role.APPEALS, module="appeals")
def appeal_note(request, pk):
    return _write(request, pk, NoteForm, internal=True)


@require_POST
@panel_view(Role.APPEALS, module="appeals")
def appeal_assign(request, pk):
    appeal = _appeal(request, pk)
    try:
        services.assign_appeal(request.user, appeal.pk, request.POST.get("assignee") or None)
    except CommsError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Assignee saved."))
    return redirect("panel:appeal_detail", pk=appeal.pk)


@require_POST
@panel_view(Role.APPEALS, module="appeals")
def appeal_status(request, pk):
    appeal = _appeal(request, pk)
    try:
        services.change_appeal_status(request.user, appeal.pk, request.POST.get("status", ""))
    except CommsError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Status saved."))
    return redirect("panel:appeal_detail", pk=appeal.pk)


@panel_view(Role.APPEALS, module="appeals")
def appeal_attachment(request, pk):
    """Download an attachment of an appeal the user serves: never inline, never sniffed."""
    attachment = comms.get_attachment_for_user(request.user, pk)
    if attachment is None:
        raise Http404
    response = FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name,
                            content_type=attachment.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@panel_view(Role.APPEALS, module="appeals")
def appeal_categories(request, pk=None):
    """The categories of appeals of the user's organisations; create one, or change the one `pk`."""
    scope = request.panel
    orgs = scope.orgs(Role.APPEALS, narrow=False)
    category = None
    if pk is not None:
        category = AppealCategory.objects.filter(organization__in=orgs, pk=pk).first()
        if category is None:
            raise Http404
    initial = ({"organization": category.organization_id, "name": category.name,
                "deadline_days": category.deadline_days, "position": category.position,
                "is_active": category.is_active} if category
               else {"organization": scope.current.pk if scope.current else None, "is_active": True})
    form = CategoryForm(request.POST or None, initial=initial, organizations=orgs.order_by("path"))
    if category is not None:
        form.fields["organization"].disabled = True
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.save_category(
                request.user, data["organization"].pk, name=data["name"], deadline_days=data["deadline_days"],
                category_id=category.pk if category else None, is_active=data["is_active"],
                position=data["position"] or 0)
        except CommsError as exc:
            field = {"name": "name", "duplicate": "name", "deadline": "deadline_days"}.get(exc.code)
            form.add_service_error(field, exc.message)
        else:
            messages.success(request, _("Category «%(name)s» saved.") % {"name": saved.name})
            return redirect("panel:appeal_categories")
    categories = _categories(scope.orgs(Role.APPEALS)).select_related("organization")
    return render(request, "panel/appeal_categories.html", {
        "form": form, "category": category, "categories": categories,
    }, status=400 if form.errors else 200)
