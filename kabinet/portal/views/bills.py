"""Bills (ЕПД) in the portal: «Загрузить счёт» for every closed period of an account the user may view."""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import render

from kabinet.billing.bills import BillError, bill_index, issue_bill
from kabinet.portal.views.accounts import _account_or_404
from kabinet.registry.models import PersonalAccount


@login_required
def account_bills_view(request, pk):
    account = _account_or_404(request, pk)
    periods = bill_index(PersonalAccount.objects.filter(pk=account.pk))
    return render(request, "portal/bills.html", {"account": account, "periods": periods})


@login_required
def bill_download_view(request, pk, year, month):
    """The stored PDF; printed now if the closed period has no bill yet. 404 for an open period."""
    account = _account_or_404(request, pk)
    try:
        period = dt.date(year, month, 1)
        bill = issue_bill(account, period, send=False)
    except (ValueError, BillError) as exc:
        raise Http404 from exc
    return FileResponse(bill.pdf.open("rb"), as_attachment=True, filename=bill.filename,
                        content_type="application/pdf")
