"""`{{ status|report_status }}`: a BA's report status as the lists show it (no report and a draft are both
"missing" to the reviewer and the office)."""

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def report_status(status) -> str:
    if status == "submitted":
        return _("submitted")
    if status == "returned":
        return _("returned")
    if status == "accepted":
        return _("accepted")
    return _("missing")
