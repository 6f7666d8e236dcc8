"""Indonesian phone numbers as the portal keeps them (+62…) and shows them (0812-…), through `lokal.phone`."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from lokal.phone import parse_phone


def phone_normalize(value: str) -> str:
    """`0812-3456-7890`, `+62 812 3456 7890`, `62812…`, `00 62 812…` → `+6281234567890`; blank stays blank."""
    value = (value or "").strip()
    if not value:
        return ""
    info = parse_phone("+" + value[2:] if value.startswith("00") else value)
    if not info.valid:
        raise ValidationError(
            _("“%(phone)s” is not a valid Indonesian phone number (e.g. 0812-3456-7890)."),
            code="phone", params={"phone": value},
        )
    return info.e164


def phone_display(value: str) -> str:
    """A stored number the way people write it at home (0812-…); anything unparseable as it is."""
    info = parse_phone(value) if value else None
    return info.national if info and info.valid else value
