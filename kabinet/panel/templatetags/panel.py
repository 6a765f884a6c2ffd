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
