"""`{{ row|version }}`: the version a delete or edit form carries for a record (`toolkit.versions`)."""

from django import template

from toolkit.versions import content_version

register = template.Library()


@register.filter
def version(instance) -> str:
    return content_version(instance)
