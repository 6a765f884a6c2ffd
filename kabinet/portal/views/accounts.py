"""The home screen (seed 003) and personal account pages: details, history, access, linking."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kabinet.accounts import services
from kabinet.accounts.models import AccountLink
from kabinet.billing.selectors import balance_history, total_balance
from kabinet.portal import dashboard
from kabinet.portal.forms import AccountProofForm, ConfirmForm, GrantAccessForm

RIGHT_LABELS = {
    "view": gettext_lazy("view"),
    "readings": gettext_lazy("meter readings"),
    "payments": gettext_lazy("payments"),
    "appeals": gettext_lazy("appeals"),
}


def rights_text(link: AccountLink) -> str:
    return ", ".join(str(RIGHT_LABELS[r]) for r in link.rights)


def dashboard_view(request):
    """Total debt or overpayment, the tiles, and a card per linked account — a constant number of
    queries: the session's user is checked in the same statement that reads the page's data, and
    the rendered page is cached under that data (kabinet.portal.dashboard)."""
    now = timezone.now()
    return _dashboard_page(request, now, dashboard.authenticate(request, now))


@login_required
def _dashboard_page(request, now, snapshot):
    def render_page(accounts, communication):
        for account in accounts:
            account.rights_text = rights_text(account.link)
        context = {"accounts": accounts, "total": total_balance(accounts), **communication}
        return render_to_string(dashboard.TEMPLATE, context, request)

    return HttpResponse(dashboard.render_dashboard(request, render_page, now, snapshot).html)


def _account_or_404(request, pk):
    account = services.get_account_for_user(request.user, pk)
    if account is None:
        raise Http404
    return account


def _render_account(request, account, *, grant_form=None, unlink_form=None, status=200):
    link = AccountLink.objects.get(user=request.user, account=account)
    history = list(balance_history(account))
    context = {
        "account": account,
        "link": link,
        "rights_text": rights_text(link),
        "history": history,
        "current": history[0] if history else None,
        "unlink_form": unlink_form or ConfirmForm(),
    }
    if link.is_owner:
        delegates = list(
            AccountLink.objects.filter(account=account, role=AccountLink.Role.DELEGATE).select_related("user")
        )
        for delegate in delegates:
            delegate.rights_text = rights_text(delegate)
        context.update({"delegates": delegates, "grant_form": grant_form or GrantAccessForm()})
    return render(request, "portal/account_detail.html", context, status=status)


@login_required
def account_detail_view(request, pk):
    return _render_account(request, _account_or_404(request, pk))


@login_required
@require_POST
def account_grant_view(request, pk):
    """The owner lets another registered user see the account, with chosen rights."""
    account = _account_or_404(request, pk)
    if not AccountLink.objects.filter(user=request.user, account=account, role=AccountLink.Role.OWNER).exists():
        raise PermissionDenied
    form = GrantAccessForm(request.POST)
    if form.is_valid():
        try:
            link = services.grant_delegation(request.user, account.pk, form.cleaned_data["contact"],
                                             form.cleaned_data["rights"])
        except services.AccessError as exc:
            form.add_error("contact", str(exc))
        else:
            messages.success(request, _("Access granted to %(user)s.") % {"user": link.user.display_contact})
            return redirect("portal:account_detail", pk=account.pk)
    return _render_account(request, account, grant_form=form)


@login_required
@require_POST
def account_revoke_view(request, pk, link_id):
    account = _account_or_404(request, pk)
    if not AccountLink.objects.filter(pk=link_id, account=account).exists():
        raise Http404
    try:
        services.revoke_delegation(request.user, link_id)
    except services.AccessError as exc:
        raise PermissionDenied from exc
    messages.success(request, _("Access revoked."))
    return redirect("portal:account_detail", pk=account.pk)


@login_required
@require_POST
def account_unlink_view(request, pk):
    account = _account_or_404(request, pk)
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        return _render_account(request, account, unlink_form=form)
    services.unlink_account(request.user, account.pk)
    messages.success(request, _("Account %(number)s has been removed from your Kabinet.") % {"number": account.number})
    return redirect("portal:dashboard")


@login_required
def account_link_view(request):
    """Add another account (of any organisation) by its number and receipt code."""
    form = AccountProofForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            link = services.link_account(request.user, form.cleaned_data["number"], form.cleaned_data["receipt_code"])
        except services.AccessError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Account %(number)s has been added.") % {"number": link.account.number})
            return redirect("portal:account_detail", pk=link.account_id)
    return render(request, "portal/account_link.html", {"form": form})
