"""Writing an office's settings, and giving its documents their numbers."""

import hashlib
import re
from datetime import date

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from toolkit.versions import check_version

from .access import can_set_office_settings
from .models import PLACEHOLDER, DocumentSequence, IssuedNumber, OfficeSettings

LIMITS = {"ba_target_min", "ba_target_max", "ba_span_max_km", "recency_amber_days", "recency_red_days",
          "report_due_day", "evidence_distance_km", "evidence_late_days"}
DOCUMENTS = {"office_name", "head_name", "head_title", "head_rank", "head_nip", "sign_town", "address", "phone",
             "email", "website", "number_pattern"}
EDITABLE = LIMITS | DOCUMENTS
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]


class DocumentNumberError(Exception):
    """No number could be given (the office has no pattern), or a typed number repeats one of the register: the
    message says what to do."""


@transaction.atomic
def office_settings_update(*, actor, regency, version: str | None = None, logo_png: bytes | None = None,
                           logo_remove: bool = False, **values) -> OfficeSettings:
    """Save the given settings of `regency` (the others keep their value); the database's checks hold them as well.
    With `version` (the form's), settings another admin saved since the form was opened are not overwritten.
    `logo_png` is a logo already checked and re-encoded (`letterhead.logo_prepare`); `logo_remove` drops it.
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
    old_logo = current.logo.name if current.logo else ""
    if logo_remove and not logo_png:
        current.logo = ""
    current.full_clean()
    if logo_png:  # written to the storage once the settings are known to be valid
        digest = hashlib.sha256(logo_png).hexdigest()[:12]
        current.logo.save(f"logo-{digest}.png", ContentFile(logo_png), save=False)
    current.save()
    if old_logo and old_logo != (current.logo.name if current.logo else ""):
        storage, name = current.logo.storage, old_logo
        transaction.on_commit(lambda: storage.delete(name))  # the old file goes once the new row is saved
    return current


def number_format(pattern: str, *, sequence: int, on: date) -> str:
    """A document number from the office's pattern, e.g. "500.3/{seq}/DKUKM/{year}" → "500.3/17/DKUKM/2026"."""
    parts = {"seq": str(sequence), "year": str(on.year), "month": f"{on.month:02d}",
             "month_roman": ROMAN[on.month - 1]}
    return PLACEHOLDER.sub(lambda match: parts[match.group(1)], pattern)


@transaction.atomic
def document_number_issue(*, actor, regency, document: str, on: date) -> IssuedNumber:
    """Give a document of `regency` the office's next number of the year of `on`, and enter it in the register
    (which document, its date, who). Two admins at once get two numbers: the year's sequence row is locked while
    the number is taken. Raises DocumentNumberError when the office has no numbering pattern."""
    if actor is not None and not can_set_office_settings(actor, regency.pk):
        raise PermissionDenied
    office = OfficeSettings.objects.filter(regency=regency).first()
    if office is None or not office.number_pattern:
        raise DocumentNumberError(_("The office has no pattern for document numbers yet: set it in the office's "
                                    "document settings, or enter the number by hand."))
    DocumentSequence.objects.get_or_create(regency=regency, year=on.year)
    counter = DocumentSequence.objects.select_for_update().get(regency=regency, year=on.year)
    counter.last += 1
    counter.save(update_fields=["last"])
    issued = IssuedNumber(regency=regency, year=on.year, sequence=counter.last, document=document[:250], issued_on=on,
                          number=number_format(office.number_pattern, sequence=counter.last, on=on),
                          issued_by=actor if getattr(actor, "pk", None) else None)
    issued.full_clean()
    issued.save()
    return issued


def _squeezed(text: str) -> str:
    """A number as compared: without spaces, upper case ("500.3 / 001/dkukm/2026" → "500.3/001/DKUKM/2026")."""
    return re.sub(r"\s+", "", text).upper()


def number_parse(pattern: str, number: str) -> tuple[int, int] | None:
    """The (year, sequence) of a number typed in the office's pattern, whatever the zeros in front of the sequence,
    the spaces or the case ("500.3/007/dkukm/2026" in "500.3/{seq}/DKUKM/{year}" → (2026, 7)); None when the
    number does not fit the pattern (another classification, another office's agenda)."""
    if not pattern or not number:
        return None
    parts = {"seq": r"0*(?P<seq>\d{1,9})", "year": r"(?P<year>\d{4})", "month": r"(?:0?[1-9]|1[0-2])",
             "month_roman": "(?:" + "|".join(sorted(ROMAN, key=len, reverse=True)) + ")"}
    regex, position = "", 0
    for match in PLACEHOLDER.finditer(pattern):
        regex += re.escape(_squeezed(pattern[position:match.start()])) + parts.get(match.group(1), "")
        position = match.end()
    regex += re.escape(_squeezed(pattern[position:]))
    found = re.fullmatch(regex, _squeezed(number))
    if found is None or "seq" not in found.groupdict() or "year" not in found.groupdict():
        return None
    return int(found.group("year")), int(found.group("seq"))


def numbers_same(pattern: str, first: str, second: str) -> bool:
    """Whether two numbers are the same number of the office: the same year and sequence in its pattern (zeros in
    front aside), or the same text."""
    if not first or not second:
        return False
    parsed = number_parse(pattern, first)
    return (parsed is not None and parsed == number_parse(pattern, second)) or _squeezed(first) == _squeezed(second)


def _repeat_error(number: str, earlier: IssuedNumber) -> DocumentNumberError:
    return DocumentNumberError(
        _("The number %(number)s repeats %(earlier)s of the office's register (%(document)s, dated %(date)s): "
          "each number is given once a year. Type another number, or let the office give the next one.")
        % {"number": number, "earlier": earlier.number, "document": earlier.document,
           "date": earlier.issued_on.strftime("%d-%m-%Y")})


@transaction.atomic
def document_number_record(*, actor, regency, number: str, document: str, on: date) -> IssuedNumber | None:
    """Enter in the register a number typed by hand for a document of `regency` dated `on`. A number in the
    office's pattern is entered with its year and sequence, and the year's sequence moves past it, so that the
    office never gives it again; one that repeats a number of the register (given or typed, the same sequence of
    the same year, zeros in front aside) is refused with DocumentNumberError. A number outside the pattern (another
    classification, another agenda) is not entered (None), but is refused as well when the register holds it."""
    if actor is not None and not can_set_office_settings(actor, regency.pk):
        raise PermissionDenied
    number = " ".join(number.split())
    if not number:
        return None
    office = OfficeSettings.objects.filter(regency=regency).first()
    parsed = number_parse(office.number_pattern if office else "", number)
    if parsed is None:
        squeezed = _squeezed(number)
        for earlier in IssuedNumber.objects.filter(regency=regency).only("number", "document", "issued_on"):
            if _squeezed(earlier.number) == squeezed:
                raise _repeat_error(number, earlier)
        return None
    year, sequence = parsed
    DocumentSequence.objects.get_or_create(regency=regency, year=year)
    counter = DocumentSequence.objects.select_for_update().get(regency=regency, year=year)
    earlier = IssuedNumber.objects.filter(regency=regency, year=year, sequence=sequence).first()
    if earlier is not None:
        raise _repeat_error(number, earlier)
    if sequence > counter.last:
        counter.last = sequence
        counter.save(update_fields=["last"])
    entered = IssuedNumber(regency=regency, year=year, sequence=sequence, number=number, document=document[:250],
                           issued_on=on, typed=True, issued_by=actor if getattr(actor, "pk", None) else None)
    entered.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            entered.save()
    except IntegrityError as error:  # the database's last word (the year's row is locked: not reached)
        raise DocumentNumberError(_("The number %(number)s is already in the office's register.")
                                  % {"number": number}) from error
    return entered
