"""Reads for the API: the accounts a user may see, through the domain's access paths only.

Consumers see the accounts they are linked to (`accounts.services.linked_accounts`); staff see the
accounts of their organisations and sub-organisations (`core.tenancy.staff_organizations`); a user
who is both sees both sets. Anything else is a 404, exactly like a missing account.
"""

from django.db.models import Q

from kabinet.accounts.selectors import own_link, with_own_link
from kabinet.accounts.services import linked_accounts
from kabinet.billing.selectors import with_balance
from kabinet.core.tenancy import staff_memberships, staff_organizations
from kabinet.registry.models import PersonalAccount


def visible_accounts(user):
    """Accounts `user` may see, with address, organisation, latest balance and the user's own link
    (`link_role`, `link_can_*`), all in one SQL query whatever the number of accounts."""
    if not user.is_authenticated:
        return PersonalAccount.objects.none()
    scope = Q(pk__in=linked_accounts(user).values("pk")) | Q(organization__in=staff_organizations(user))
    accounts = (
        PersonalAccount.objects.for_lists()
        .filter(scope)
        .order_by("organization__path", "number", "pk")
    )
    return with_balance(with_own_link(accounts, user))


def account_rights(account) -> list[str]:
    """The rights of the requesting user on an account from `visible_accounts`: those of their link,
    or just "view" when they see it as staff."""
    link = own_link(account)
    return link.rights if link else ["view"]


def staff_organizations_with_roles(user):
    """The user's own staff memberships (not inherited ones), with their organisations."""
    return staff_memberships(user).select_related("organization").order_by("organization__path")


def linked_accounts_count(user) -> int:
    return linked_accounts(user).count()
