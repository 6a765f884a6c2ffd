"""The e-receipt list: accounts whose consumers chose the bill by email instead of paper, for the
organisation's printing and delivery (CSV or XLSX)."""

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from kabinet.accounts.models import AccountLink
from kabinet.core import spreadsheets
from kabinet.core.roles import Role
from kabinet.panel.scope import panel_view
from kabinet.registry.models import PersonalAccount


def e_receipt_rows(organizations) -> list[list[str]]:
    owners = Prefetch("links", queryset=AccountLink.objects.filter(role=AccountLink.Role.OWNER).select_related("user"),
                      to_attr="owner_links")
    accounts = (PersonalAccount.objects.filter(organization__in=organizations, e_receipt=True).with_address()
                .select_related("organization").prefetch_related(owners).order_by("organization__name", "number"))
    rows = []
    for account in accounts:
        emails = sorted({link.user.email for link in account.owner_links if link.user.email and link.user.email_confirmed})
        rows.append([account.organization.name, account.number, account.address, account.holder_name, ", ".join(emails)])
    return rows


@panel_view(Role.USERS, module="users")
def e_receipt_export(request):
    rows = e_receipt_rows(request.panel.orgs(Role.USERS))
    table = [[_("Organisation"), _("Account"), _("Address"), _("Holder"), _("Email")], *rows]
    if request.GET.get("format") == "xlsx":
        return spreadsheets.download(spreadsheets.xlsx_bytes(_("E-receipts"), table), "e-receipts.xlsx")
    return spreadsheets.download(spreadsheets.csv_bytes(table), "e-receipts.csv")
