"""`{{ row|version }}`: the version a delete or edit form carries for a record (`regions.versions`)."""

from django import template

from regions.versions import content_version

register = template.Library()


@register.filter
def version(instance) -> str:
    return content_version(instance)
