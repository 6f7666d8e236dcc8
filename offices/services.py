"""Writing an office's settings."""

from django.core.exceptions import PermissionDenied
from django.db import transaction

from toolkit.versions import check_version

from .access import can_set_office_settings
from .models import OfficeSettings

EDITABLE = {"ba_target_min", "ba_target_max", "ba_span_max_km", "recency_amber_days", "recency_red_days",
            "report_due_day", "evidence_distance_km", "evidence_late_days"}


@transaction.atomic
def office_settings_update(*, actor, regency, version: str | None = None, **values) -> OfficeSettings:
    """Save the given settings of `regency` (the others keep their value); the database's checks hold them as well.
    With `version` (the form's), settings another admin saved since the form was opened are not overwritten.
    `actor` None is the system (the demo, a command)."""
    if actor is not None and not can_set_office_settings(actor, regency.pk):
        raise PermissionDenied
    unknown = set(values) - EDITABLE
    if unknown:
        raise TypeError(f"not an office setting: {', '.join(sorted(unknown))}")
    current = (OfficeSettings.objects.select_for_update().filter(regency=regency).first()
               or OfficeSettings(regency=regency))
    check_version(current, version, locked=True)
    for name, value in values.items():
        setattr(current, name, value)
    current.full_clean()
    current.save()
    return current
