"""The plan as an Excel workbook: the export (one row per village, a summary per BA) and the import of an
edited workbook back into a draft (dry run, then all or nothing)."""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from mentors.models import Mentor
from regions.models import Village
from toolkit.spreadsheets import ImportPreview, RowResult, Sheet

from .models import TerritoryPlan
from .planning import Snapshot, TerritoryInfo
from .selectors import plan_overview
from .services import PlanError, _claim, _replace_content


def plan_workbook_sheets(plan: TerritoryPlan, snapshot) -> list:
    """The plan as rows: one per village, plus a summary per BA. Shared by the export and its tests."""
    overview = plan_overview(plan, snapshot)
    village_rows, summary = [], []
    placed = set()
    for group in overview:
        pmo_name = group["territory"].name if group["territory"] else ""
        pmo = group["mentor"]
        for row in group["ba_rows"]:
            ba = row["mentor"]
            for district, villages in row["districts"]:
                for village in villages:
                    placed.add(village.id)
                    village_rows.append([village.code, village.name, district.name, row["territory"].name,
                                         ba.name if ba else "", ba.email if ba else "", pmo_name,
                                         pmo.name if pmo else "", pmo.email if pmo else ""])
            if not row["villages"]:  # keep a territory without villages in the workbook
                village_rows.append(["", "", "", row["territory"].name, ba.name if ba else "", ba.email if ba else "",
                                     pmo_name, pmo.name if pmo else "", pmo.email if pmo else ""])
            summary.append([ba.name if ba else "", row["territory"].name, len(row["villages"]),
                            len(row["districts"]), pmo.name if pmo else ""])
    for village in sorted(snapshot.villages.values(), key=lambda v: v.code):
        if village.id not in placed:
            village_rows.append([village.code, village.name, snapshot.districts[village.district_id].name,
                                 "", "", "", "", "", ""])
    village_rows.sort(key=lambda r: (r[0] == "", r[0], r[3]))
    headers = [_("Village code"), _("Village"), _("District"), _("BA territory"), _("BA"), _("BA e-mail"),
               _("PMO territory"), _("PMO"), _("PMO e-mail")]
    summary_headers = [_("BA"), _("BA territory"), _("Villages"), _("Districts"), _("PMO")]
    return [(_("Villages"), headers, village_rows), (_("Summary per BA"), summary_headers, summary)]


PLAN_SHEET = Sheet(
    columns={
        "village_code": {"kode desa", "kode desa/kelurahan", "village code", "kode"},
        "ba_territory": {"wilayah ba", "ba territory", "wilayah kerja ba"},
        "ba": {"ba", "business assistant", "nama ba"},
        "ba_email": {"e-mail ba", "email ba", "ba e-mail"},
        "pmo_territory": {"wilayah pmo", "pmo territory", "wilayah kerja pmo"},
        "pmo": {"pmo", "nama pmo"},
        "pmo_email": {"e-mail pmo", "email pmo", "pmo e-mail"},
    },
    required=("village_code", "ba_territory"),
    max_rows=0,  # each plan has its own limit: `plan_import_max_rows`, given to the import flow
    missing_message=gettext_lazy("The first row must name the columns; missing: %(columns)s. Use the plan's own "
                                 "Excel export as the template."),
)
# Rows besides the villages: the export adds one per BA territory without villages, and a regency has about one BA
# per ten villages (the largest, some 900 villages, about 90 BAs).
PLAN_ROWS_MARGIN = 200


def plan_import_max_rows(plan: TerritoryPlan) -> int:
    """The most rows a workbook of the plan may have: one per village of its regency, and a margin."""
    return Village.objects.filter(district__regency_id=plan.regency_id).count() + PLAN_ROWS_MARGIN


@dataclass
class PlanImportCheck(ImportPreview):
    """The dry run of a workbook: row errors, and the territories it describes."""

    pmo_rows: list = field(default_factory=list)
    ba_rows: list = field(default_factory=list)

    def snapshot(self, places, mentors) -> Snapshot:
        """The plan the workbook describes, to compare with the draft before it is replaced."""
        villages, districts = places
        pmo = {i: TerritoryInfo(i, name, mentor, set(ds)) for i, (name, mentor, ds) in enumerate(self.pmo_rows)}
        pmo_ids = {t.name: t.id for t in pmo.values()}
        ba = {i: TerritoryInfo(i, name, mentor, set(vs), pmo_ids.get(p))
              for i, (name, mentor, p, vs) in enumerate(self.ba_rows)}
        return Snapshot(villages=villages, districts=districts, mentors=mentors, pmo=pmo, ba=ba)


def plan_import_check(*, plan: TerritoryPlan, rows: list[dict]) -> PlanImportCheck:
    """Check a workbook against the regency: every problem is a row error; nothing is written."""
    check = PlanImportCheck()
    villages = dict(Village.objects.filter(district__regency=plan.regency).values_list("code", "id"))
    village_district = dict(Village.objects.filter(district__regency=plan.regency).values_list("id", "district_id"))
    mentors = list(Mentor.objects.filter(regency=plan.regency))
    by_email = {m.email: m for m in mentors if m.email}
    by_name: dict[str, list] = {}
    for mentor in mentors:
        by_name.setdefault(mentor.full_name.strip().lower(), []).append(mentor)

    def find(row, name_key, email_key, role, label):
        email, name = row.get(email_key, "").lower(), row.get(name_key, "")
        if not email and not name:
            return None
        if email:
            found = by_email.get(email)
            if found is None:
                raise ValueError(_("unknown %(label)s “%(who)s”") % {"label": label, "who": email})
            if name and found.full_name.strip().lower() != name.strip().lower():
                raise ValueError(_("the e-mail %(email)s belongs to %(owner)s, not to %(name)s")
                                 % {"email": email, "owner": found.full_name, "name": name})
        else:
            candidates = by_name.get(name.lower(), [])
            if len(candidates) > 1:
                raise ValueError(_("more than one mentor is called “%(name)s”: add the e-mail address")
                                 % {"name": name})
            if not candidates:
                raise ValueError(_("unknown %(label)s “%(who)s”") % {"label": label, "who": name})
            found = candidates[0]
        if found.role != role:
            raise ValueError(_("%(name)s is not a %(label)s") % {"name": found.full_name, "label": label})
        return found.pk

    seen: dict[str, int] = {}
    ba: dict[str, dict] = {}
    pmo: dict[str, dict] = {}
    district_pmo: dict[int, tuple[str, int]] = {}
    for row in rows:
        number = row["_row"]
        code = row.get("village_code", "")
        result = RowResult(number=number, key=code, values=row)
        check.rows.append(result)
        names = [row.get("ba_territory", ""), row.get("pmo_territory", "")]
        if any(len(name) > 100 for name in names):
            result.fail(_("a territory name is longer than 100 characters"))
            continue
        if not code and row.get("ba_territory"):
            code = None  # a BA territory without villages (the export writes one row for it)
        elif code not in villages:
            result.fail(_("unknown village code “%(code)s”") % {"code": code})
            continue
        if code in seen:
            result.fail(_("village %(code)s appears twice (also row %(row)d)")
                                 % {"code": code, "row": seen[code]})
            continue
        if code:
            seen[code] = number
        territory = row.get("ba_territory", "")
        if not territory:
            continue  # left out of every territory: the draft's validation will flag the gap
        try:
            ba_mentor = find(row, "ba", "ba_email", "ba", "BA")
            pmo_mentor = find(row, "pmo", "pmo_email", "pmo", "PMO")
        except ValueError as error:
            result.fail(str(error))
            continue
        pmo_name = row.get("pmo_territory", "")
        entry = ba.setdefault(territory, {"mentor": ba_mentor, "pmo": pmo_name, "villages": [], "row": number})
        if (entry["mentor"], entry["pmo"]) != (ba_mentor, pmo_name):
            result.fail(_("BA territory “%(name)s” has another BA or PMO territory in row %(row)d")
                                 % {"name": territory, "row": entry["row"]})
            continue
        if pmo_name:
            group = pmo.setdefault(pmo_name, {"mentor": pmo_mentor, "districts": set(), "row": number})
            if group["mentor"] != pmo_mentor:
                result.fail(_("PMO territory “%(name)s” has another PMO in row %(row)d")
                                     % {"name": pmo_name, "row": group["row"]})
                continue
        elif pmo_mentor:
            result.fail(_("a PMO is named but no PMO territory"))
            continue
        if code is None:
            continue
        district = village_district[villages[code]]
        if pmo_name:
            earlier = district_pmo.setdefault(district, (pmo_name, number))
            if earlier[0] != pmo_name:
                result.fail(_("this district is already in PMO territory “%(name)s” (row %(row)d): "
                                               "a district belongs to one PMO territory")
                                     % {"name": earlier[0], "row": earlier[1]})
                continue
            pmo[pmo_name]["districts"].add(district)
        entry["villages"].append(villages[code])
    check.pmo_rows = [(name, group["mentor"], sorted(group["districts"])) for name, group in sorted(pmo.items())]
    check.ba_rows = [(name, entry["mentor"], entry["pmo"] or None, entry["villages"])
                     for name, entry in sorted(ba.items())]
    return check


@transaction.atomic
def plan_import_apply(*, actor, plan: TerritoryPlan, version: int, rows: list[dict]) -> PlanImportCheck:
    """Replace the draft's territories with the workbook's, all or nothing."""
    check = plan_import_check(plan=plan, rows=rows)
    if check.errors:
        raise PlanError(_("The workbook has errors; nothing was imported."))
    _claim(plan, version, actor=actor, message=gettext_noop("imported a workbook (%(count)d rows)"),
           count=len(rows))
    _replace_content(plan, check.pmo_rows, check.ba_rows)
    return check
