"""The one stale-edit scheme. A form carries the version of the record it was opened with; the save (or delete)
compares it with the row as it is now, under a row lock, and refuses with `StaleEdit` when someone else changed
(or deleted) the row in between, so no one silently overwrites another's edit. Views answer the refusal with
`stale_edit_response`: the message, and the page again with the current data.

A record's version is `content_version`: a digest of its stored values, which needs no column. A model that keeps
its own `version` counter, raised by every write from the portal (a territory plan, whose editor sends it with
every htmx edit; an office membership), is at that counter instead."""

import hashlib

from django.contrib import messages
from django.shortcuts import redirect


class StaleEdit(Exception):
    """The record changed (or went) since the form was opened: nothing was written."""


def content_version(instance) -> str:
    fields = instance._meta.concrete_fields
    if any(field.name == "version" for field in fields):
        return str(instance.version)
    values = [(field.attname, getattr(instance, field.attname)) for field in fields]
    return hashlib.sha256(repr(values).encode()).hexdigest()[:20]


def check_version(instance, version, *, locked: bool = False):
    """Raise StaleEdit unless the stored row of `instance` still has `version`; return the row as it is now. Call it
    inside the transaction that writes: the row is read again under a lock, unless the caller has just locked and
    read it itself (`locked=True`). A new record (no pk) has nothing to compare with; None is a caller without a
    form (an import, the demo) and is not checked, while a form that sent no version ("") is refused like a stale
    one."""
    if instance.pk is None or version is None:
        return instance
    current = instance if locked else type(instance)._default_manager.select_for_update().filter(pk=instance.pk).first()
    if current is None or content_version(current) != str(version):
        raise StaleEdit
    return current


def stale_edit_response(request, message: str, to, *args, **kwargs):
    """The answer to a save refused with StaleEdit: `message` (translated by the caller: what changed, and that
    nothing was written) and the current data. `to` is where the page shows it, as `redirect` takes it (the form
    is opened anew, with the stored values and version), or a function that renders it (called after the message
    is queued, so the page shows it)."""
    messages.error(request, message)
    return to() if callable(to) else redirect(to, *args, **kwargs)
