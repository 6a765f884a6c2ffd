"""Announcements and news («Объявления», seed 003): the list of what is visible to the user (emergency
ones pinned first, unread marked), one announcement (opening it marks it read), and «mark all read».
Reads are kabinet.comms.selectors, receipts kabinet.comms.services.announcements."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kabinet.comms import selectors
from kabinet.comms.services import announcements as services

PER_PAGE = 20


@login_required
def news_list_view(request):
    announcements = selectors.visible_announcements(request.user)
    page = Paginator(announcements, PER_PAGE).get_page(request.GET.get("page"))
    unread = sum(1 for a in page.object_list if not a.is_read) if page.object_list else 0
    if page.paginator.num_pages > 1:
        unread = selectors.unread_announcement_count(request.user)
    return render(request, "portal/news_list.html", {"page": page, "announcements": page.object_list,
                                                     "unread": unread})


@login_required
def news_detail_view(request, pk):
    announcement = selectors.get_announcement_for_user(request.user, pk)
    if announcement is None:
        raise Http404
    services.mark_announcement_read(request.user, announcement.pk)
    return render(request, "portal/news_detail.html", {"announcement": announcement})


@login_required
@require_POST
def news_read_all_view(request):
    # mark_all_announcements_read fails for a user with no accounts (its queryset is then `none()`
    # without the `is_read` annotation), so the count comes first: nothing to mark, nothing to do.
    if selectors.unread_announcement_count(request.user) and services.mark_all_announcements_read(request.user):
        messages.success(request, _("All announcements are marked as read."))
    return redirect("portal:news")


def dashboard_news(user, accounts, latest: int = 3) -> dict:
    """The home screen's share of communication, in three queries whatever the numbers: unread
    announcements, the latest ones, appeals with unread replies (`accounts`: the user's, as loaded
    for the page, decide the audience)."""
    announcements = selectors.visible_announcements(user, accounts=accounts)
    empty = announcements.query.is_empty()
    return {
        "unread_news": 0 if empty else announcements.filter(is_read=False).count(),
        "latest_news": [] if empty else list(announcements[:latest]),
        "unread_appeals": selectors.unread_appeal_count(user),
    }
