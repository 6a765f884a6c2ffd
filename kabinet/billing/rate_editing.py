"""Tariffs, normatives and building groups changed by staff: checked by the models' rules, saved or
deleted in one transaction with the person in the change history.

A change never touches stored charges: closed periods keep their lines, and an open period is priced
anew by its next run (the panel says so next to the form)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kabinet.billing.models import BuildingGroup, Normative, Tariff


def save_rate(obj: Tariff | Normative, *, acting_user) -> Tariff | Normative:
    """Create or change a tariff or a normative; ValidationError (by field) when it breaks a rule."""
    obj.full_clean()
    obj._history_user = acting_user
    with transaction.atomic():
        obj.save()
    return obj


def save_building_group(group: BuildingGroup, buildings, *, acting_user) -> BuildingGroup:
    """Create or change a group and set its buildings (both in its history)."""
    group.full_clean()
    group._history_user = acting_user
    with transaction.atomic():
        group.save()
        group.buildings.set(buildings)
    return group


def delete_rate(obj: Tariff | Normative | BuildingGroup, *, acting_user) -> None:
    """Delete a tariff, a normative, or a group no tariff uses (deleting it would delete its tariffs)."""
    if isinstance(obj, BuildingGroup) and obj.tariffs.exists():
        raise ValidationError(_("Tariffs are set for this group: change or delete them first."))
    obj._history_user = acting_user
    with transaction.atomic():
        obj.delete()
