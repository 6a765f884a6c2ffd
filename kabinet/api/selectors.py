"""Reads for the API: the accounts a user may see, through the domain's access paths only.

Consumers see the accounts they are linked to (`accounts.services.linked_accounts`); staff see the
accounts of their organisations and sub-organisations (`core.tenancy.staff_organizations`); a user
who is both sees both sets. Anything else is a 404, exactly like a missing account.
"""

from django.db.models import F, FilteredRelation, Q

from kabinet.accounts.models import AccountLink
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
        PersonalAccount.objects.with_address()
        .filter(scope)
        # (user, account) is unique, so this join never multiplies rows.
        .annotate(
            own_link=FilteredRelation("links", condition=Q(links__user=user)),
            link_role=F("own_link__role"),
            link_can_readings=F("own_link__can_readings"),
            link_can_payments=F("own_link__can_payments"),
            link_can_appeals=F("own_link__can_appeals"),
        )
        .order_by("organization__path", "number", "pk")
    )
    return with_balance(accounts)


def account_rights(account) -> list[str]:
    """The rights of the requesting user on an account from `visible_accounts`: those of their link,
    or just "view" when they see it as staff."""
    if account.link_role is None:
        return ["view"]
    link = AccountLink(
        role=account.link_role,
        can_readings=bool(account.link_can_readings),
        can_payments=bool(account.link_can_payments),
        can_appeals=bool(account.link_can_appeals),
    )
    return link.rights


def staff_organizations_with_roles(user):
    """The user's own staff memberships (not inherited ones), with their organisations."""
    return staff_memberships(user).select_related("organization").order_by("organization__path")


def linked_accounts_count(user) -> int:
    return linked_accounts(user).count()
