"""Reads of access: a user's own link to each account, annotated in the same query."""

from django.db.models import F, FilteredRelation, Q

from kabinet.accounts.models import AccountLink
from kabinet.registry.models import PersonalAccount


def with_own_link(accounts, user):
    """Annotate accounts with `user`'s link to each (`link_role`, `link_can_*`; None where the user
    has no link, e.g. staff). (user, account) is unique, so the join never multiplies rows."""
    return accounts.annotate(
        own_link=FilteredRelation("links", condition=Q(links__user=user)),
        link_role=F("own_link__role"),
        link_can_readings=F("own_link__can_readings"),
        link_can_payments=F("own_link__can_payments"),
        link_can_appeals=F("own_link__can_appeals"),
    )


def linked_accounts_with_link(user):
    """The user's accounts, each annotated as by `with_own_link`, through one plain join (no
    subquery): the cheapest form for the pages every consumer opens."""
    return PersonalAccount.objects.filter(links__user=user, organization__is_active=True).annotate(
        link_role=F("links__role"),
        link_can_readings=F("links__can_readings"),
        link_can_payments=F("links__can_payments"),
        link_can_appeals=F("links__can_appeals"),
    )


def own_link(account) -> AccountLink | None:
    """The user's link rebuilt from `with_own_link`'s annotations (unsaved: for `rights`, `is_owner`)."""
    if account.link_role is None:
        return None
    return AccountLink(
        account=account,
        role=account.link_role,
        can_readings=bool(account.link_can_readings),
        can_payments=bool(account.link_can_payments),
        can_appeals=bool(account.link_can_appeals),
    )
