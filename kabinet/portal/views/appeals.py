"""Appeals («Обращения», seed 003): the consumer's list, a new appeal, the thread with replies and
the rating, and attachment downloads. The actions are kabinet.comms.services.appeals; the reads are
kabinet.comms.selectors (internal notes never reach these pages)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kabinet.accounts.services import linked_accounts
from kabinet.comms import conf, selectors
from kabinet.comms.models import AppealCategory
from kabinet.comms.services import CommsError
from kabinet.comms.services import appeals as services

# Which form field shows a refusal of the domain (CommsError.code); the rest go above the form.
ERROR_FIELDS = {
    "not_found": "account",
    "category": "category",
    "subject": "subject",
    "empty": "text",
    "too_long": "text",
    "attachment": "files",
    "too_many_files": "files",
    "rating": "rating",
}


# --- Forms (only what people type; the domain checks the rest) -------------------------------------


class AppealForm(forms.Form):
    account = forms.TypedChoiceField(
        label=gettext_lazy("Personal account"), coerce=int,
        error_messages={"required": gettext_lazy("Choose the account the appeal is about."),
                        "invalid_choice": gettext_lazy("Choose the account the appeal is about.")},
    )
    category = forms.TypedChoiceField(
        label=gettext_lazy("Category"), coerce=int,
        error_messages={"required": gettext_lazy("Choose a category of the appeal."),
                        "invalid_choice": gettext_lazy("Choose a category of the appeal.")},
    )
    subject = forms.CharField(
        label=gettext_lazy("Subject"), max_length=services.MAX_SUBJECT,
        error_messages={"required": gettext_lazy("Write the subject of the appeal.")},
    )
    text = forms.CharField(
        label=gettext_lazy("Your question or message"), max_length=services.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": gettext_lazy("Write the text of the message.")},
    )

    def __init__(self, *args, accounts=(), categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].choices = [("", gettext_lazy("— choose —"))] + [
            (a.pk, f"№ {a.number} — {a.address}") for a in accounts
        ]
        several_orgs = len({c.organization_id for c in categories}) > 1
        self.fields["category"].choices = [("", gettext_lazy("— choose —"))] + [
            (c.pk, f"{c.name} ({c.organization})" if several_orgs else c.name) for c in categories
        ]


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Your reply"), max_length=services.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": gettext_lazy("Write the text of the message.")},
    )


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=gettext_lazy("How do you rate the answer?"), coerce=int,
        choices=[(n, str(n)) for n in range(1, 6)], widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose a rating from 1 to 5."),
                        "invalid_choice": gettext_lazy("Choose a rating from 1 to 5.")},
    )
    comment = forms.CharField(label=gettext_lazy("Comment (optional)"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3}))


def _add_error(form, error: CommsError, file_errors: list) -> None:
    field = ERROR_FIELDS.get(error.code)
    if field == "files":
        file_errors.append(error.message)
    elif field in form.fields:
        form.add_error(field, error.message)
    else:
        form.add_error(None, error.message)


def _upload_limits() -> dict:
    return {"max_mb": conf.attachment_max_bytes() // (1024 * 1024), "max_files": conf.attachments_per_message()}


# --- Views ------------------------------------------------------------------------------------------


def _appeal_accounts(user) -> list:
    return list(linked_accounts(user, "appeals").for_lists().order_by("number"))


@login_required
def appeal_list_view(request):
    """The user's appeals, newest first, optionally for one account (`?account=`)."""
    accounts = _appeal_accounts(request.user)
    account_id = request.GET.get("account")
    selected = next((a for a in accounts if str(a.pk) == account_id), None)
    appeals = list(selectors.consumer_appeal_list(request.user, selected.pk if selected else None))
    return render(request, "portal/appeal_list.html", {
        "appeals": appeals, "accounts": accounts, "selected": selected,
    })


@login_required
def appeal_create_view(request):
    accounts = _appeal_accounts(request.user)
    org_ids = set()
    for account in accounts:
        org_ids.update(int(pk) for pk in account.organization.path.strip("/").split("/") if pk)
    categories = list(AppealCategory.objects.filter(organization_id__in=org_ids, is_active=True)
                      .select_related("organization").order_by("position", "name"))
    file_errors: list[str] = []
    if request.method == "POST":
        form = AppealForm(request.POST, accounts=accounts, categories=categories)
        if form.is_valid():
            data = form.cleaned_data
            try:
                appeal = services.create_appeal(
                    request.user, data["account"], category_id=data["category"], subject=data["subject"],
                    text=data["text"], files=request.FILES.getlist("files"),
                )
            except CommsError as exc:
                _add_error(form, exc, file_errors)
            else:
                messages.success(request, _("Your appeal has been sent. We will let you know when there is a reply."))
                return redirect("portal:appeal_detail", pk=appeal.pk)
    else:
        initial = {}
        wanted = request.GET.get("account")
        if len(accounts) == 1:
            initial["account"] = accounts[0].pk
        elif wanted and any(str(a.pk) == wanted for a in accounts):
            initial["account"] = int(wanted)
        form = AppealForm(initial=initial, accounts=accounts, categories=categories)
    status = 400 if request.method == "POST" else 200
    return render(request, "portal/appeal_form.html", {
        "form": form, "accounts": accounts, "file_errors": file_errors, **_upload_limits(),
    }, status=status)


def _appeal_or_404(request, pk):
    appeal = selectors.get_appeal_for_consumer(request.user, pk)
    if appeal is None:
        raise Http404
    return appeal


def _render_thread(request, appeal, *, reply_form=None, rating_form=None, file_errors=(), status=200):
    can_rate = appeal.status == appeal.Status.CLOSED and appeal.rating is None
    return render(request, "portal/appeal_detail.html", {
        "appeal": appeal,
        "thread": appeal.thread,
        "reply_form": reply_form or ReplyForm(),
        "rating_form": (rating_form or RatingForm()) if can_rate else None,
        "file_errors": list(file_errors),
        **_upload_limits(),
    }, status=status)


@login_required
def appeal_detail_view(request, pk):
    """The thread «Обращение от …»; opening it marks staff replies as seen."""
    appeal = _appeal_or_404(request, pk)
    services.mark_appeal_seen(request.user, appeal.pk)
    return _render_thread(request, appeal)


@login_required
@require_POST
def appeal_reply_view(request, pk):
    appeal = _appeal_or_404(request, pk)
    form = ReplyForm(request.POST)
    file_errors: list[str] = []
    if form.is_valid():
        try:
            services.add_consumer_reply(request.user, appeal.pk, form.cleaned_data["text"],
                                        request.FILES.getlist("files"))
        except CommsError as exc:
            _add_error(form, exc, file_errors)
        else:
            messages.success(request, _("Your reply has been sent."))
            return redirect("portal:appeal_detail", pk=appeal.pk)
    return _render_thread(request, appeal, reply_form=form, file_errors=file_errors, status=400)


@login_required
@require_POST
def appeal_rate_view(request, pk):
    appeal = _appeal_or_404(request, pk)
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            services.rate_appeal(request.user, appeal.pk, form.cleaned_data["rating"], form.cleaned_data["comment"])
        except CommsError as exc:
            if exc.code != "rating":
                messages.error(request, exc.message)
                return redirect("portal:appeal_detail", pk=appeal.pk)
            form.add_error("rating", exc.message)
        else:
            messages.success(request, _("Thank you for your rating."))
            return redirect("portal:appeal_detail", pk=appeal.pk)
    return _render_thread(request, appeal, rating_form=form, status=400)


@login_required
def appeal_attachment_view(request, pk):
    """A file of the user's own appeal (never of an internal note), as a download. Someone else's
    attachment is a 404, exactly like a missing one; staff use the panel."""
    attachment = selectors.get_attachment_for_user(request.user, pk)
    if attachment is None or attachment.message.is_internal or not selectors.consumer_appeals(request.user).filter(
            pk=attachment.message.appeal_id).exists():
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=attachment.original_name,
                            content_type=attachment.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
