from django import template

from kabinet.core.money import format_money

register = template.Library()


@register.filter
def money(value):
    """`12 345,67 ₽` (thin spaces, comma for kopecks)."""
    if value is None or value == "":
        return "—"
    return format_money(value)


@register.filter
def indent(organization):
    """Depth of an organisation in its tree (0 for a top-level one)."""
    return max(organization.path.count("/") - 1, 0)


@register.simple_tag(takes_context=True)
def is_current_module(context, key):
    request = context.get("request")
    return getattr(request, "panel_module", None) == key


@register.filter
def tree_label(organization):
    """The name indented by dashes for its depth, for <select> options."""
    return "— " * indent(organization) + str(organization)


@register.filter
def volume(value):
    """A reading or a consumption as `12 345,678` (trailing zeros dropped); — when empty."""
    if value is None or value == "":
        return "—"
    from kabinet.metering.rules import format_volume

    return format_volume(value)


@register.filter
def flag_labels(reading):
    """The review flags of a reading, in words."""
    from kabinet.metering.models import Reading

    return [Reading._meta.get_field(f"flag_{name}").verbose_name for name in reading.flags]


@register.filter
def month(value):
    """A billing period as `11.2026`."""
    return value.strftime("%m.%Y") if value else "—"


@register.filter
def price(value):
    """A tariff as `31,40` or `1,9360` (2–4 decimals, as the protocols print it); — when empty."""
    if value is None or value == "":
        return "—"
    from kabinet.billing.rules.formatting import number

    return number(value, max_decimals=4, min_decimals=2)


@register.filter
def quantity(value):
    """A normative as `6,935` or `0,033333` (trailing zeros dropped); — when empty."""
    if value is None or value == "":
        return "—"
    from kabinet.billing.rules.formatting import number

    return number(value, max_decimals=6)
