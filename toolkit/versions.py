"""Version checks for records without an `updated_at`: the version is a digest of the row's stored values. A form
carries the version it was opened with; a save (or delete) compares it with the row as it is now, under a row lock,
and refuses when someone else changed the row in between, so no one silently overwrites another's edit."""

import hashlib


class StaleVersion(Exception):
    """The record changed (or went) since the form was opened: nothing was written."""


def content_version(instance) -> str:
    values = [(field.attname, getattr(instance, field.attname)) for field in instance._meta.concrete_fields]
    return hashlib.sha256(repr(values).encode()).hexdigest()[:20]


def check_version(instance, version: str | None) -> None:
    """Lock the stored row of `instance` and raise StaleVersion unless it still has `version`. Call it inside the
    transaction that writes. A new record (no pk) has nothing to compare with; None is a caller without a form (an
    import, the demo), while a form that sent no version ("") is refused like a stale one."""
    if instance.pk is None or version is None:
        return
    current = type(instance)._default_manager.select_for_update().filter(pk=instance.pk).first()
    if current is None or content_version(current) != version:
        raise StaleVersion
