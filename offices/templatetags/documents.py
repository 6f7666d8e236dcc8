from django import template
from django.db.models import QuerySet

from ..documents import document_frame

register = template.Library()


@register.simple_tag(takes_context=True)
def office_frame(context, regencies):
    """`{% office_frame chosen as frame %}`: the letterhead and signature block of the one regency a page is about
    (a Regency, or a query of regencies holding exactly one); None for a page about several (a province, the
    nation), which no single office signs."""
    if isinstance(regencies, QuerySet):
        found = list(regencies.select_related(None)[:2])
        regencies = found[0] if len(found) == 1 else None
    if regencies is None:
        return None
    return document_frame(context["request"].user, regencies)
