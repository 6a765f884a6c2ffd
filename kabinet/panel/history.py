"""Change history (django-simple-history records) as rows for the panel's history tables."""

from django.utils.translation import gettext_lazy as _

from kabinet.core.roles import Role

HISTORY_LIMIT = 50
KINDS = {"+": _("Created"), "~": _("Changed"), "-": _("Deleted")}


def _format(value, formatter=None):
    if formatter is not None:
        return formatter(value)
    if value in (None, ""):
        return "—"
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    return str(value)


def format_date(value) -> str:
    return value.strftime("%d.%m.%Y") if value else "—"


def format_roles(value) -> str:
    labels = [str(Role(r).label) for r in (value or []) if r in Role.values]
    return ", ".join(labels) or "—"


def history_rows(model, history_queryset, fields, formatters=None, labels=None) -> list[dict]:
    """The latest changes, newest first: who, when, and each changed field as old → new."""
    formatters = formatters or {}
    labels = labels or {}
    records = list(history_queryset.select_related("history_user").order_by("-history_date", "-history_id")
                   [: HISTORY_LIMIT + 1])
    rows = []
    for index, record in enumerate(records[:HISTORY_LIMIT]):
        previous = records[index + 1] if index + 1 < len(records) else None
        changes = []
        if previous is not None and record.history_type == "~":
            delta = record.diff_against(previous, included_fields=list(fields))
            for change in delta.changes:
                formatter = formatters.get(change.field)
                changes.append({
                    "field": labels.get(change.field) or model._meta.get_field(change.field).verbose_name,
                    "old": _format(change.old, formatter),
                    "new": _format(change.new, formatter),
                })
        rows.append({
            "date": record.history_date,
            "user": record.history_user,
            "kind": KINDS.get(record.history_type, record.history_type),
            "changes": changes,
        })
    return rows
