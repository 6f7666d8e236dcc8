"""The field app's words (static/js/field.js reads them from the status section's data attributes on every page of
a BA): written once per language, not translated attribute by attribute on each request."""

from functools import cache

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, gettext_noop

register = template.Library()

WORDS = [
    ("waiting", gettext_noop("Visits waiting to be sent: {n}")),
    ("refused-count", gettext_noop("refused: {n}")),
    ("send-now", gettext_noop("Send now")),
    ("list", gettext_noop("Show the visits kept on this phone")),
    ("photos", gettext_noop("photo(s)")),
    ("waiting-one", gettext_noop("waiting to be sent")),
    ("refused-one", gettext_noop("refused")),
    ("edit", gettext_noop("Edit")),
    ("discard", gettext_noop("Discard")),
    ("discard-question", gettext_noop("Discard this visit? It has not been sent and will be lost.")),
    ("offline", gettext_noop("No signal: visits you save are kept on this phone and sent when the signal returns.")),
    ("kept", gettext_noop("No signal: the visit is kept on this phone and will be sent when the signal returns. You "
                          "can record the next one.")),
    ("kept-sign-in", gettext_noop("The visit is kept on this phone. Sign in again to send it.")),
    ("sign-in", gettext_noop("Sign in again to send this visit.")),
    ("refused", gettext_noop("The server refused this visit.")),
    ("refused-now", gettext_noop("The visit was not recorded; it is kept on this phone until you correct or discard "
                                 "it:")),
    ("not-yours", gettext_noop("This cooperative is no longer among yours (its village may have moved to another "
                               "BA).")),
    ("forbidden", gettext_noop("You may no longer record this visit.")),
    ("too-large", gettext_noop("The visit and its files are too large to send: remove some photos.")),
    ("busy", gettext_noop("The portal is busy: the visit will be sent again shortly.")),
    ("too-many", gettext_noop("At most {n} files per visit.")),
    ("full", gettext_noop("The phone’s storage is full: this visit was NOT kept. Remove some photos or free space on "
                          "the phone, then save again.")),
    ("not-kept", gettext_noop("The visit could not be kept on this phone:")),
    ("editing", gettext_noop("You are editing a visit kept on this phone ({n} photo(s) kept; choosing photos replaces "
                             "them). Saving replaces it.")),
    ("sign-out-offline", gettext_noop("Signing out needs a signal. Your visits stay kept on this phone.")),
    ("sign-out", gettext_noop("{n} visit(s) on this phone have not been sent. Signing out deletes them from this "
                              "phone. Sign out anyway?")),
]


@cache
def _attributes(language: str | None) -> SafeString:
    return mark_safe("\n  ".join(f'data-{name}="{escape(gettext(text))}"' for name, text in WORDS))


@register.simple_tag
def field_words() -> SafeString:
    """The `data-…` attributes of the field status section in the active language."""
    return _attributes(get_language())
