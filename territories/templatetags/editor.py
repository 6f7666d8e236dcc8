"""The draft editor repeats the same long option lists on every territory row: they are built once in the
view (`options_html`) and each row only marks its own choice."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

register = template.Library()


def options_html(items) -> SafeString:
    """`<option>`s for (id, label, inactive) triples, escaped once."""
    inactive = _("inactive")
    return format_html_join("", '<option value="{}">{}{}</option>', (
        (pk, label, format_html(" ({})", inactive) if not active else "") for pk, label, active in items))


@register.filter
def choose(options: SafeString, value) -> SafeString:
    """The options with `value` selected."""
    if value in (None, ""):
        return options
    return mark_safe(options.replace(f'<option value="{value}">', f'<option value="{value}" selected>', 1))
