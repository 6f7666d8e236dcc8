"""Reconciliation with the national registry (SIMKOPDES): an office uploads the registry's export, the portal compares
it with the regency's records once, at upload, and keeps the result as a run with its rows; the office then accepts
differences field by field, or a page of them at once. Nothing is written without that choice, and every write goes
through `services.cooperative_update` (the rules of `integrity.py`, the record's history naming the run).

Matching, in this order: the SIMKOPDES ID (when the portal already keeps it), the village code, the SK AHU number,
the NIK Koperasi. Rows of the export that match nothing of the regency are "only in the export"; the regency's
records that no row matched are "only in the portal". An empty cell of the export is no difference: the export
does not blank what the portal knows. Names differing only in case or spacing are the same name.
"""

import hashlib
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mentors.access import access_for
from regions.models import Regency
from toolkit.phones import phone_normalize
from toolkit.spreadsheets import Sheet, SpreadsheetError, header_key, read_table, row_form, shown_value

from .forms import CooperativeRowForm
from .models import (
    Cooperative,
    ReconciliationMapping,
    ReconciliationRow,
    ReconciliationRun,
    ReconciliationSource,
)
from .services import _tidy, cooperative_import_max_rows, cooperative_update

# The fields an export's columns may be mapped to, with the headings a SIMKOPDES export uses for them (the
# mapping form's first suggestion). The village code is only a key; every other field is compared.
FIELDS = {
    "village_code": (gettext_lazy("Village code"), "Kode Desa"),
    "simkopdes_id": (gettext_lazy("SIMKOPDES ID"), "ID Koperasi"),
    "legal_entity_number": (gettext_lazy("SK AHU number"), "Nomor SK AHU"),
    "nik_number": (gettext_lazy("NIK Koperasi"), "NIK Koperasi"),
    "name": (gettext_lazy("Cooperative name"), "Nama Koperasi"),
    "legal_entity_date": (gettext_lazy("SK AHU date"), "Tanggal SK AHU"),
    "chair_name": (gettext_lazy("Chair"), "Nama Ketua"),
    "chair_phone": (gettext_lazy("Chair's phone"), "No HP Ketua"),
    "member_count": (gettext_lazy("Members"), "Jumlah Anggota"),
    "stage": (gettext_lazy("Stage"), "Tahapan"),
    "simkopdes_status": (gettext_lazy("SIMKOPDES account"), "Status Akun"),
}
KEY_FIELDS = ("simkopdes_id", "village_code", "legal_entity_number", "nik_number")
COMPARED = [name for name in FIELDS if name != "village_code"]
DATE_FIELDS = {"legal_entity_date"}
LOOSE_TEXT = {"name", "chair_name"}  # case and spacing are no difference
SIMKOPDES_ID_MAX = 50


# --- access and reads -----------------------------------------------------------------------------------------


def can_view_reconciliation(user, regency_id: int) -> bool:
    """The regency's office (admins and staff) sees the runs and their lists."""
    return access_for(user).is_office_of(regency_id)


def can_reconcile(user, regency_id: int) -> bool:
    """Its admins (and the national operator) choose the mapping, upload exports and accept differences."""
    return access_for(user).manages(regency_id)


def runs_visible_to(user) -> QuerySet[ReconciliationRun]:
    return ReconciliationRun.objects.filter(access_for(user).office_scope("regency"))


def run_rows(run: ReconciliationRun, kind: str) -> QuerySet[ReconciliationRow]:
    return run.rows.filter(kind=kind).select_related("cooperative__village").order_by("village_code", "row_number",
                                                                                       "id")


def mapping_for(regency: Regency, source: str = ReconciliationSource.SIMKOPDES) -> ReconciliationMapping | None:
    return ReconciliationMapping.objects.filter(regency=regency, source=source).first()


def default_columns() -> dict[str, str]:
    return {name: heading for name, (_label, heading) in FIELDS.items()}


def field_label(name: str) -> str:
    return str(FIELDS[name][0]) if name in FIELDS else name


def shown(name: str, value) -> str:
    """A stored value as a person reads it (a choice's label, a phone as written at home)."""
    return shown_value(Cooperative, name, value)


# --- the mapping --------------------------------------------------------------------------------------------


@transaction.atomic
def reconciliation_mapping_save(*, actor, regency: Regency, source: str, columns: dict[str, str]
                                ) -> ReconciliationMapping:
    if not can_reconcile(actor, regency.pk):
        raise PermissionDenied
    columns = {name: " ".join((columns.get(name) or "").split()) for name in FIELDS}
    mapping, _created = ReconciliationMapping.objects.get_or_create(regency=regency, source=source)
    mapping.columns = {name: heading for name, heading in columns.items() if heading}
    mapping.updated_by = actor
    mapping.full_clean()
    mapping.save()
    return mapping


# --- reading an export and matching it --------------------------------------------------------------------------


def village_code_normalize(value: str) -> str:
    """“3202012002” (as some exports write it) → “32.02.01.2002”; anything else trimmed."""
    value = (value or "").strip()
    if value.isdigit() and len(value) == 10:
        return f"{value[:2]}.{value[2:4]}.{value[4:6]}.{value[6:]}"
    return value


def _stored(value):
    """A value as a run keeps it (JSON): dates as YYYY-MM-DD."""
    return value.isoformat() if isinstance(value, date) else value


def _python(name: str, value):
    return date.fromisoformat(value) if name in DATE_FIELDS and value else value


def _same(name: str, portal, export) -> bool:
    if name in LOOSE_TEXT and isinstance(portal, str) and isinstance(export, str):
        return " ".join(portal.split()).casefold() == " ".join(export.split()).casefold()
    return portal == export


def _form_for(names) -> type[CooperativeRowForm]:
    """The registry sheet's row form (its parsing of dates, stages, phones…) holding only these fields: a form of
    all thirty copied for each of 850 rows took most of a run's time."""
    form = type("ExportRowForm", (CooperativeRowForm,), {})
    form.base_fields = {name: field for name, field in CooperativeRowForm.base_fields.items() if name in names}
    return form


def _export_values(cells: dict, form=CooperativeRowForm) -> tuple[dict, dict[str, str]]:
    """The export's values of a row as the portal would store them, and a problem per cell it cannot read."""
    values, problems = {}, {}
    sid = " ".join(cells.pop("simkopdes_id", "").split())
    if len(sid) > SIMKOPDES_ID_MAX:
        problems["simkopdes_id"] = _("longer than %(max)d characters") % {"max": SIMKOPDES_ID_MAX}
    elif sid:
        values["simkopdes_id"] = sid
    cells = {name: text for name, text in cells.items() if text and name in COMPARED}
    cleaned, errors = row_form(form, cells)
    if errors:  # read each cell alone to tell which ones
        cleaned = {}
        for name, text in cells.items():
            one, errors = row_form(form, {name: text})
            if errors:
                problems[name] = "; ".join(errors)
            else:
                cleaned.update(one)
    tidied = Cooperative(**{k: v for k, v in cleaned.items() if k in ("legal_entity_number", "nik_number")})
    _tidy(tidied)
    for name, value in cleaned.items():
        if name in ("legal_entity_number", "nik_number"):
            value = getattr(tidied, name)
        elif name == "chair_phone":
            value = phone_normalize(value)
        if value not in (None, ""):
            values[name] = value
    return values, problems


def _read(upload, regency: Regency, columns: dict[str, str]) -> list[dict]:
    mapped = {name: heading for name, heading in columns.items() if heading and name in FIELDS}
    if not any(name in mapped for name in KEY_FIELDS):
        raise SpreadsheetError(_("Choose the columns first: at least the village code, the SK AHU number or the "
                                 "NIK Koperasi."))
    sheet = Sheet(columns={name: {header_key(heading)} for name, heading in mapped.items()},
                  required=tuple(mapped), max_rows=cooperative_import_max_rows(regency),
                  missing_message=_("The first row of the file must name the mapped columns. Missing: %(columns)s. "
                                    "Check the file, or change the column mapping."))
    rows = sheet.rows(read_table(upload, max_rows=sheet.max_rows))
    if not rows:
        raise SpreadsheetError(_("The file has no rows below its header."))
    return rows


def _digest(upload) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


@transaction.atomic
def reconciliation_run_create(*, actor, regency: Regency, upload,
                              source: str = ReconciliationSource.SIMKOPDES) -> ReconciliationRun:
    """Compare an uploaded export with the regency's records and keep the result. Raises SpreadsheetError (nothing
    written) when the file cannot be read with the source's mapping."""
    if not can_reconcile(actor, regency.pk):
        raise PermissionDenied
    mapping = mapping_for(regency, source)
    columns = mapping.columns if mapping is not None else {}
    if not columns:
        raise SpreadsheetError(_("Choose the columns first: at least the village code, the SK AHU number or the "
                                 "NIK Koperasi."))
    file_sha256 = _digest(upload)
    rows = _read(upload, regency, columns)
    cooperatives = list(Cooperative.objects.filter(village__district__regency=regency).select_related("village")
                        .order_by("village__code"))
    index = {
        "simkopdes_id": {c.simkopdes_id: c for c in cooperatives if c.simkopdes_id},
        "village_code": {c.village.code: c for c in cooperatives},
        "legal_entity_number": {c.legal_entity_number: c for c in cooperatives if c.legal_entity_number},
        "nik_number": {c.nik_number: c for c in cooperatives if c.nik_number},
    }
    matched_by_key = {"simkopdes_id": ReconciliationRow.MatchedBy.SIMKOPDES_ID,
                      "village_code": ReconciliationRow.MatchedBy.VILLAGE_CODE,
                      "legal_entity_number": ReconciliationRow.MatchedBy.SK_AHU,
                      "nik_number": ReconciliationRow.MatchedBy.NIK}
    run = ReconciliationRun.objects.create(regency=regency, source=source, file_name=upload.name[:200],
                                           file_sha256=file_sha256, columns=columns, export_rows=len(rows),
                                           uploaded_by=actor)
    form = _form_for(columns)
    out: list[ReconciliationRow] = []
    taken: dict[int, int] = {}  # cooperative pk → the export row that matched it
    same = 0
    for cells in rows:
        number = cells.pop("_row")
        code = village_code_normalize(cells.pop("village_code", ""))
        raw = dict(cells)
        values, problems = _export_values(cells, form)
        keys = {"village_code": code, **{k: values.get(k, "") for k in KEY_FIELDS if k != "village_code"}}
        cooperative, how = None, ""
        for key in KEY_FIELDS:
            if keys[key] and keys[key] in index[key]:
                cooperative, how = index[key][keys[key]], matched_by_key[key]
                break
        if cooperative is not None and cooperative.pk in taken:
            out.append(ReconciliationRow(
                run=run, kind=ReconciliationRow.Kind.EXPORT_ONLY, village_code=code, name=raw.get("name", "")[:200],
                row_number=number, values={"village_code": code, **raw},
                note=_("matches the same cooperative as row %(row)d") % {"row": taken[cooperative.pk]}))
            continue
        if cooperative is None:
            out.append(ReconciliationRow(
                run=run, kind=ReconciliationRow.Kind.EXPORT_ONLY, village_code=code, name=raw.get("name", "")[:200],
                row_number=number, values={"village_code": code, **raw}))
            continue
        taken[cooperative.pk] = number
        differences = []
        for name in COMPARED:
            if name in problems:
                differences.append({"field": name, "portal": _stored(getattr(cooperative, name)),
                                    "export": raw.get(name, ""), "problem": problems[name]})
            elif name in values and not _same(name, getattr(cooperative, name), values[name]):
                differences.append({"field": name, "portal": _stored(getattr(cooperative, name)),
                                    "export": _stored(values[name])})
        if not differences:
            same += 1
            continue
        out.append(ReconciliationRow(run=run, kind=ReconciliationRow.Kind.DIFFERS, cooperative=cooperative,
                                     village_code=cooperative.village.code, name=cooperative.name, row_number=number,
                                     matched_by=how, differences=differences))
    for cooperative in cooperatives:
        if cooperative.pk not in taken:
            out.append(ReconciliationRow(run=run, kind=ReconciliationRow.Kind.PORTAL_ONLY, cooperative=cooperative,
                                         village_code=cooperative.village.code, name=cooperative.name))
    ReconciliationRow.objects.bulk_create(out, batch_size=500)
    counts = {kind: sum(1 for row in out if row.kind == kind) for kind in ReconciliationRow.Kind.values}
    run.same_count = same
    run.differ_count = counts[ReconciliationRow.Kind.DIFFERS]
    run.portal_only_count = counts[ReconciliationRow.Kind.PORTAL_ONLY]
    run.export_only_count = counts[ReconciliationRow.Kind.EXPORT_ONLY]
    run.save(update_fields=["same_count", "differ_count", "portal_only_count", "export_only_count"])
    return run


# --- accepting differences --------------------------------------------------------------------------------------


def row_differences(row: ReconciliationRow) -> list[dict]:
    """A row's differences as the page shows them: label, both values as a person reads them, and whether the
    office may still accept it (and why not)."""
    result = []
    for difference in row.differences:
        name = difference["field"]
        problem = difference.get("problem", "")
        result.append({
            "field": name, "label": field_label(name),
            "portal": shown(name, difference["portal"]),
            "export": difference["export"] if problem else shown(name, difference["export"]),
            "problem": problem, "accepted": name in row.accepted, "refused": row.refused.get(name, ""),
            "acceptable": not problem and name not in row.accepted,
        })
    return result


def _write(actor, run: ReconciliationRun, cooperative: Cooperative, values: dict) -> str:
    """Write these values through the record's service; "" when written, else the rule's message."""
    try:
        with transaction.atomic():
            cooperative_update(actor=actor, cooperative=cooperative, version=None, reason=run.change_reason,
                               **values)
    except ValidationError as error:
        return "; ".join(error.messages)
    except IntegrityError:
        return _("another change got there first; upload the export again")
    return ""


@transaction.atomic
def reconciliation_accept(*, actor, run: ReconciliationRun, choices: dict[int, set[str]]) -> dict[str, int]:
    """Accept the chosen differences ({row pk: fields}) of a run: each is written to the record unless the portal's
    value changed since the comparison or a rule of the record refuses it (its message is kept on the row); the
    others of the row still apply. A difference accepted before, or whose value the record already holds, writes
    nothing: accepting the same export twice changes nothing the second time."""
    if not can_reconcile(actor, run.regency_id):
        raise PermissionDenied
    counts = {"applied": 0, "refused": 0, "unchanged": 0}
    rows = (ReconciliationRow.objects.select_for_update()
            .filter(run=run, kind=ReconciliationRow.Kind.DIFFERS, pk__in=list(choices)).order_by("pk"))
    for row in rows:
        wanted = {d["field"]: d for d in row.differences
                  if d["field"] in choices[row.pk] and not d.get("problem") and d["field"] not in row.accepted}
        if not wanted:
            continue
        cooperative = Cooperative.objects.select_related("village__district").get(pk=row.cooperative_id)
        values = {}
        for name, difference in wanted.items():
            now = _stored(getattr(cooperative, name))
            if now == difference["export"]:
                row.accepted.append(name)
                row.refused.pop(name, None)
                counts["unchanged"] += 1
            elif now != difference["portal"]:
                row.refused[name] = _("changed in the portal since this comparison; upload the export again")
                counts["refused"] += 1
            else:
                values[name] = _python(name, difference["export"])
        refusals = {}
        if values:
            why = _write(actor, run, cooperative, values)
            if why and len(values) > 1:  # one field alone may be what a rule refuses: the others still apply
                for name, value in values.items():
                    if one := _write(actor, run, cooperative, {name: value}):
                        refusals[name] = one
                    cooperative.refresh_from_db()
            elif why:
                refusals = dict.fromkeys(values, why)
        for name in values:
            if name in refusals:
                row.refused[name] = refusals[name]
                counts["refused"] += 1
            else:
                row.accepted.append(name)
                row.refused.pop(name, None)
                counts["applied"] += 1
        row.save(update_fields=["accepted", "refused"])
    return counts


def posted_choices(values: list[str]) -> dict[int, set[str]]:
    """Checkbox values “<row pk>:<field>” as {row pk: fields}; anything else is ignored."""
    choices: dict[int, set[str]] = {}
    for value in values:
        pk, _sep, name = value.partition(":")
        if pk.isdigit() and name in COMPARED:
            choices.setdefault(int(pk), set()).add(name)
    return choices
