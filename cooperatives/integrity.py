"""The rules a cooperative's record keeps, in one place: the forms, the import, the services and
`check_cooperatives` all ask here, so a rule cannot hold in one door and not in another.

Each `*_problems` function returns {field: [messages]} (empty when the record is fine): a refusal. The rows it
needs beyond the record (the cooperative's other proposals or board terms, its units and land) are given to it, so
that it never queries: the models' `clean()` and `check_cooperatives` fetch them. Each `*_warnings` function
returns messages about a rule the programme's public sources do not settle (shown on the record and listed by
`check_cooperatives`, never refused). The numbers are settings (`settings.py`, "PMK 49/2025" and the land).
"""

import math
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import (
    EARLIEST_PAPERS,
    MAX_MEMBERS,
    SK_AHU_PATTERN,
    MicrositeStatus,
    SimkopdesStatus,
    Stage,
    UnitStatus,
    sk_ahu_normalize,
)

PROGRAMME_START = date(2025, 1, 1)  # Inpres 9/2025: nothing of the programme is dated before 2025


def _digits(value: str) -> str:
    return "".join(ch for ch in (value or "") if ch.isdigit())


def _add(errors: dict, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _check_day(errors, field, day, *, earliest=EARLIEST_PAPERS):
    if day is None:
        return
    if day > timezone.localdate():
        _add(errors, field, _("%(date)s is in the future.") % {"date": day.strftime("%d-%m-%Y")})
    elif day < earliest:
        _add(errors, field, _("%(date)s is before %(earliest)s: check the year.")
             % {"date": day.strftime("%d-%m-%Y"), "earliest": earliest.strftime("%d-%m-%Y")})


def _rupiah(amount: int) -> str:
    return f"{amount:,}".replace(",", ".")


def cooperative_problems(cooperative) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    number = sk_ahu_normalize(cooperative.legal_entity_number)
    if number and not SK_AHU_PATTERN.match(number):
        _add(errors, "legal_entity_number", _("“%(value)s” is not an SK AHU number: write it like "
                                              "AHU-0001234.AH.01.29.TAHUN 2025.") % {"value": number})
    elif number and cooperative.legal_entity_date and int(number[-4:]) != cooperative.legal_entity_date.year:
        _add(errors, "legal_entity_number", _("The SK AHU number says the year %(number_year)s but its date is in "
                                              "%(date_year)s: check the number or the date.")
             % {"number_year": number[-4:], "date_year": cooperative.legal_entity_date.year})
    if Stage.order(cooperative.stage) >= Stage.order(Stage.NOTARY_DEED):
        for field, label in (("notary_deed_number", _("the deed's number")), ("notary_deed_date", _("its date")),
                             ("notary_name", _("the notary"))):
            if not getattr(cooperative, field):
                _add(errors, field, _("From the stage “notary deed” on, give %(what)s.") % {"what": label})
    _check_day(errors, "notary_deed_date", cooperative.notary_deed_date, earliest=PROGRAMME_START)
    if cooperative.notary_deed_date and cooperative.legal_entity_date \
            and cooperative.notary_deed_date > cooperative.legal_entity_date:
        _add(errors, "notary_deed_date", _("The notary deed comes before the SK AHU that recognises it."))
    founders = settings.COOPERATIVE_MIN_FOUNDERS
    if cooperative.member_count is not None and cooperative.member_count < founders:
        _add(errors, "member_count", _("A primary cooperative has at least %(least)d members (its founders).")
             % {"least": founders})
    if Stage.order(cooperative.stage) >= Stage.order(Stage.SIMKOPDES) \
            and cooperative.simkopdes_status == SimkopdesStatus.NONE:
        _add(errors, "simkopdes_status", _("The stage “SIMKOPDES account” or later needs an account there: set "
                                           "the SIMKOPDES status."))
    if number and not cooperative.legal_entity_date:
        _add(errors, "legal_entity_date", _("A legal entity number needs its date."))
    if Stage.order(cooperative.stage) >= Stage.order(Stage.LEGAL_ENTITY):
        if not number:
            _add(errors, "legal_entity_number", _("From the stage “legal entity” on, the SK AHU number is "
                                                  "required."))
        if not cooperative.legal_entity_date:
            _add(errors, "legal_entity_date", _("From the stage “legal entity” on, the SK AHU date is required."))
    for field in ("legal_entity_date", "nik_date", "npwp_date", "nib_date", "bank_account_date", "proposal_date"):
        _check_day(errors, field, getattr(cooperative, field))
    _check_day(errors, "simkopdes_updated_on", cooperative.simkopdes_updated_on, earliest=PROGRAMME_START)
    if cooperative.member_count is not None and cooperative.member_count > MAX_MEMBERS:
        _add(errors, "member_count", _("%(count)s members is not plausible for a village cooperative (at most "
                                       "%(most)s).") % {"count": cooperative.member_count, "most": MAX_MEMBERS})
    if cooperative.nik_number and not 10 <= len(_digits(cooperative.nik_number)) == len(cooperative.nik_number) <= 20:
        _add(errors, "nik_number", _("A Nomor Induk Koperasi is 10 to 20 digits."))
    if cooperative.npwp and len(_digits(cooperative.npwp)) not in (15, 16):
        _add(errors, "npwp", _("An NPWP is 15 or 16 digits."))
    if cooperative.nib and len(_digits(cooperative.nib)) != 13:
        _add(errors, "nib", _("An NIB is 13 digits."))
    if cooperative.bank_account_number and not 6 <= len(_digits(cooperative.bank_account_number)) <= 20:
        _add(errors, "bank_account_number", _("An account number is 6 to 20 digits."))
    if cooperative.bank_account_number and not (cooperative.bank_name and cooperative.bank_account_name):
        _add(errors, "bank_account_name", _("Give the bank and the account's name with the account number."))
    if cooperative.simkopdes_updated_on and cooperative.simkopdes_status == SimkopdesStatus.NONE:
        _add(errors, "simkopdes_status", _("A cooperative updated in SIMKOPDES has an account there."))
    for field in ("nik", "npwp", "nib"):
        if getattr(cooperative, f"{field}_date") and not getattr(cooperative, "nik_number" if field == "nik"
                                                                   else field):
            _add(errors, f"{field}_date", _("A date without its number: give the number too."))
    return errors


def stage_problems(*, old_stage: str | None, new_stage: str, reason: str, has_operating_unit: bool,
                   has_land: bool = True, has_finished_unit: bool = True) -> dict:
    """Rules of a stage that read beyond the record: a step back or a skipped stage needs a reason (kept in the
    timeline); "land secured" and later need a land plot; "outlets finished building" and later need a unit built
    or operating; "operating" needs a business unit that operates."""
    errors: dict[str, list[str]] = {}
    has_reason = bool((reason or "").strip())
    if old_stage and Stage.order(new_stage) < Stage.order(old_stage) and not has_reason:
        _add(errors, "stage_reason", _("The stage moves back from “%(old)s” to “%(new)s”: say why.")
             % {"old": Stage(old_stage).label, "new": Stage(new_stage).label})
    if old_stage and Stage.order(new_stage) > Stage.order(old_stage) + 1 and not has_reason:
        skipped = Stage.values[Stage.order(old_stage) + 1:Stage.order(new_stage)]
        _add(errors, "stage_reason", _("The stage skips %(skipped)s: say why (the stages go in order).")
             % {"skipped": ", ".join(f"“{Stage(value).label}”" for value in skipped)})
    if Stage.order(new_stage) >= Stage.order(Stage.LAND_SECURED) and not has_land:
        _add(errors, "stage", _("“Land secured” and later stages need a land plot: record it under “Land” "
                                "first."))
    if Stage.order(new_stage) >= Stage.order(Stage.OUTLETS_BUILT) and not has_finished_unit:
        _add(errors, "stage", _("“Outlets finished building” and later stages need a business unit that is built or "
                                "operating, not only planned or under construction."))
    if new_stage == Stage.OPERATING and not has_operating_unit:
        _add(errors, "stage", _("“Operating” needs at least one business unit whose status is operating: set "
                                "the unit's status first."))
    return errors


def stage_facts(cooperative) -> dict:
    """What `stage_problems` reads of a saved cooperative: its units and its land (two queries)."""
    statuses = set(cooperative.units.values_list("status", flat=True))
    return {"has_operating_unit": UnitStatus.OPERATING in statuses,
            "has_finished_unit": bool(statuses & {UnitStatus.BUILT, UnitStatus.OPERATING}),
            "has_land": cooperative.land.exists()}


def unit_problems(unit) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    _check_day(errors, "construction_started_on", unit.construction_started_on, earliest=PROGRAMME_START)
    _check_day(errors, "opened_on", unit.opened_on, earliest=PROGRAMME_START)
    if unit.opened_on and unit.construction_started_on and unit.opened_on < unit.construction_started_on:
        _add(errors, "opened_on", _("A unit opens after its construction starts."))
    if unit.opened_on and unit.status != UnitStatus.OPERATING:
        _add(errors, "status", _("A unit with an opening date is operating."))
    return errors


def _overlap(a_start, a_end, b_start, b_end) -> bool:
    return a_start <= (b_end or date.max) and b_start <= (a_end or date.max)


def _person(name: str) -> str:
    return " ".join((name or "").split()).casefold()


def board_problems(member, *, others=()) -> dict[str, list[str]]:
    """A term's own dates, and against the cooperative's other terms (`others`): one chair of the board and one
    chair of the supervisors at a time, and nobody on the board and among the supervisors at once."""
    errors: dict[str, list[str]] = {}
    _check_day(errors, "term_start", member.term_start)
    if member.term_end and member.term_start and member.term_end < member.term_start:
        _add(errors, "term_end", _("A term ends after it starts."))
    if member.term_end and member.term_start and (member.term_end - member.term_start).days > 366 * 10:
        _add(errors, "term_end", _("A term of more than ten years is not plausible: check the years."))
    if not member.term_start or errors:
        return errors
    single = (member.Role.CHAIR, member.Role.SUPERVISOR_CHAIR)
    for other in others:
        if not _overlap(member.term_start, member.term_end, other.term_start, other.term_end):
            continue
        if member.role in single and other.role == member.role:
            _add(errors, "role", _("%(name)s is already %(role)s for these dates: end that term first.")
                 % {"name": other.name, "role": member.get_role_display()})
        elif _person(other.name) == _person(member.name) and other.body != member.body:
            _add(errors, "name", _("%(name)s already serves as %(role)s for these dates: nobody is on the board "
                                   "and among the supervisors at once.")
                 % {"name": other.name, "role": other.get_role_display()})
        elif _person(other.name) == _person(member.name) and other.role != member.role:
            _add(errors, "name", _("%(name)s already serves as %(role)s for these dates.")
                 % {"name": other.name, "role": other.get_role_display()})
    return errors


def board_warnings(members, *, day: date, village_kind: str) -> list[str]:
    """The KDMP board as reported (not confirmed in a regulation the portal can cite): two vice chairs (business,
    membership), an odd number of at least five on the board, the village head chairing the supervisors."""
    serving = [m for m in members if m.serving_on(day)]
    if not serving or village_kind == "kelurahan":
        return []
    warnings = []
    board = [m for m in serving if m.body == m.Body.PENGURUS]
    vice = sum(1 for m in board if m.role == m.Role.VICE_CHAIR)
    if vice != 2:
        warnings.append(_("A KDMP board usually has two vice chairs (business, membership); this one has %(count)d.")
                        % {"count": vice})
    if len(board) < 5 or len(board) % 2 == 0:
        warnings.append(_("A KDMP board usually has an odd number of at least five members; this one has "
                          "%(count)d.") % {"count": len(board)})
    if not any(m.role == m.Role.SUPERVISOR_CHAIR for m in serving):
        warnings.append(_("No chair of the supervisors is serving (in a KDMP, the village head, ex officio)."))
    return warnings


def member_count_problems(count) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    _check_day(errors, "counted_on", count.counted_on, earliest=PROGRAMME_START)
    if count.count is not None and count.count > MAX_MEMBERS:
        _add(errors, "count", _("%(count)s members is not plausible for a village cooperative (at most "
                                "%(most)s).") % {"count": count.count, "most": MAX_MEMBERS})
    if count.count is not None and count.count < settings.COOPERATIVE_MIN_FOUNDERS:
        _add(errors, "count", _("A primary cooperative has at least %(least)d members (its founders).")
             % {"least": settings.COOPERATIVE_MIN_FOUNDERS})
    return errors


def financing_problems(proposal, *, others=(), cooperative=None) -> dict[str, list[str]]:
    """PMK 49/2025 (settings FINANCING_*): the cooperative's legal entity first, the approval on the deliberation
    before the proposal, the caps across the cooperative's proposals (`others`: its other proposals; refused ones do
    not count), tenor and grace, a lender from the list, and a status that follows its dates and amounts."""
    errors: dict[str, list[str]] = {}
    status = proposal.Status
    asked = proposal.asked
    most, most_operational = settings.FINANCING_MAX_TOTAL, settings.FINANCING_MAX_OPERATIONAL
    if not proposal.lender_id:
        _add(errors, "lender", _("Choose the bank from the list of lenders."))
    if asked <= 0:
        _add(errors, "operational_spending", _("Give the amount asked (operational spending, capital spending or "
                                               "both)."))
    counted = [p for p in others if p.status != status.REFUSED]
    if proposal.status != status.REFUSED:
        total = asked + sum(p.asked for p in counted)
        operational = (proposal.operational_spending or 0) + sum(p.operational_spending or 0 for p in counted)
        if total > most:
            _add(errors, "capital_spending", _("Rp %(asked)s asked across this cooperative's proposals: the most "
                                               "per cooperative is Rp %(most)s.")
                 % {"asked": _rupiah(total), "most": _rupiah(most)})
        if operational > most_operational:
            _add(errors, "operational_spending", _("Rp %(asked)s of operational spending across this cooperative's "
                                                   "proposals: the most is Rp %(most)s.")
                 % {"asked": _rupiah(operational), "most": _rupiah(most_operational)})
    longest = settings.FINANCING_MAX_TENOR_MONTHS
    if proposal.tenor_months is not None and not 1 <= proposal.tenor_months <= longest:
        _add(errors, "tenor_months", _("A tenor of 1 to %(most)d months.") % {"most": longest})
    shortest_grace, longest_grace = settings.FINANCING_GRACE_MIN_MONTHS, settings.FINANCING_GRACE_MAX_MONTHS
    if proposal.grace_months is not None:
        if not shortest_grace <= proposal.grace_months <= longest_grace:
            _add(errors, "grace_months", _("A grace period of %(least)d to %(most)d months.")
                 % {"least": shortest_grace, "most": longest_grace})
        elif proposal.tenor_months and proposal.grace_months >= proposal.tenor_months:
            _add(errors, "grace_months", _("The grace period is shorter than the tenor."))
    effective = settings.FINANCING_EFFECTIVE_FROM
    if proposal.submitted_on and proposal.submitted_on < effective:
        _add(errors, "submitted_on", _("PMK 49/2025 is in force from %(day)s: a proposal dated before it does not "
                                       "belong here.") % {"day": effective.strftime("%d-%m-%Y")})
    _check_day(errors, "submitted_on", proposal.submitted_on, earliest=PROGRAMME_START)
    _check_day(errors, "decided_on", proposal.decided_on, earliest=PROGRAMME_START)
    _check_day(errors, "disbursed_on", proposal.disbursed_on, earliest=PROGRAMME_START)
    _check_day(errors, "deliberation_date", proposal.deliberation_date, earliest=PROGRAMME_START)
    _check_day(errors, "approval_date", proposal.approval_date, earliest=PROGRAMME_START)
    if cooperative is not None and not (Stage.order(cooperative.stage) >= Stage.order(Stage.LEGAL_ENTITY)
                                        and cooperative.legal_entity_number):
        _add(errors, "__all__", _("A proposal needs the cooperative's legal entity (stage “legal entity” with its "
                                  "SK AHU number) first."))
    if not proposal.deliberation_date or not (proposal.deliberation_minutes or "").strip():
        _add(errors, "deliberation_minutes", _("Give the date and the minutes' number of the deliberation on which "
                                               "the proposal rests."))
    if not proposal.approval_date:
        _add(errors, "approval_date", _("Give the date of the village head's (KDMP) or the regent's / mayor's "
                                        "(KKMP) approval: it comes before the proposal."))
    if proposal.deliberation_date and proposal.approval_date and proposal.approval_date < proposal.deliberation_date:
        _add(errors, "approval_date", _("The approval rests on the deliberation: it comes after it."))
    if proposal.approval_date and proposal.submitted_on and proposal.submitted_on < proposal.approval_date:
        _add(errors, "submitted_on", _("The proposal goes to the bank after the approval."))
    decided = proposal.status in (status.APPROVED, status.REFUSED, status.DISBURSED)
    if decided and not proposal.decided_on:
        _add(errors, "decided_on", _("Give the date of the bank's decision."))
    if not decided and (proposal.decided_on or proposal.approved_amount):
        _add(errors, "status", _("A decision date or an approved amount means the proposal was decided: choose "
                                 "its status."))
    if proposal.decided_on and proposal.submitted_on and proposal.decided_on < proposal.submitted_on:
        _add(errors, "decided_on", _("The decision comes after the submission."))
    if proposal.status in (status.APPROVED, status.DISBURSED):
        if not proposal.approved_amount:
            _add(errors, "approved_amount", _("Give the amount approved."))
        elif proposal.approved_amount > asked:
            _add(errors, "approved_amount", _("More was approved than asked."))
        if proposal.grace_months is None:
            _add(errors, "grace_months", _("Give the grace period the bank agreed."))
    if proposal.status == status.REFUSED and (proposal.approved_amount or proposal.disbursed_amount):
        _add(errors, "approved_amount", _("A refused proposal has no approved or disbursed amount."))
    if proposal.status == status.DISBURSED:
        if not proposal.disbursed_on or not proposal.disbursed_amount:
            _add(errors, "disbursed_amount", _("Give the date and amount disbursed."))
        elif proposal.approved_amount and proposal.disbursed_amount > proposal.approved_amount:
            _add(errors, "disbursed_amount", _("More was disbursed than approved."))
        if proposal.disbursed_on and proposal.decided_on and proposal.disbursed_on < proposal.decided_on:
            _add(errors, "disbursed_on", _("The money is disbursed after the decision."))
    elif proposal.disbursed_on or proposal.disbursed_amount:
        _add(errors, "status", _("A disbursement date or amount means the status is “disbursed”."))
    return errors


def financing_warnings(proposal) -> list[str]:
    if proposal.status != proposal.Status.REFUSED and not proposal.repayment_support:
        return [_("The support of Dana Desa / DAU / DBH for repayment is not recorded as agreed.")]
    return []


def distance_km(lat1, lon1, lat2, lon2) -> float:
    """The great-circle distance between two points, in kilometres."""
    lat1, lon1, lat2, lon2 = (math.radians(float(v)) for v in (lat1, lon1, lat2, lon2))
    a = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(min(1.0, a)))


def land_problems(plot, *, village=None) -> dict[str, list[str]]:
    """A plot's plausibility (settings LAND_*): its area, its point near its village's, the programme's steps."""
    errors: dict[str, list[str]] = {}
    least, most = settings.LAND_LEAST_AREA_M2, settings.LAND_MAX_AREA_M2
    if plot.area_m2 is not None and not least <= plot.area_m2 <= most:
        _add(errors, "area_m2", _("%(area)s m² is not plausible for an outlet's plot: between %(least)s and "
                                  "%(most)s m².") % {"area": plot.area_m2, "least": least, "most": most})
    if village is not None and village.latitude is not None and village.longitude is not None \
            and plot.latitude is not None and plot.longitude is not None:
        far = distance_km(plot.latitude, plot.longitude, village.latitude, village.longitude)
        if far > settings.LAND_MAX_DISTANCE_KM:
            _add(errors, "latitude", _("This point is %(far)d km from %(village)s: a plot for its cooperative is "
                                       "within %(most)d km. Check the point on the map.")
                 % {"far": far, "village": village.name, "most": settings.LAND_MAX_DISTANCE_KM})
    if plot.build_progress is not None and plot.build_progress > 100:
        _add(errors, "build_progress", _("Building progress is 0 to 100%."))
    _check_day(errors, "handed_over_on", plot.handed_over_on, earliest=PROGRAMME_START)
    handed = plot.programme_status == plot.Programme.HANDED_OVER
    if handed and not plot.handed_over_on:
        _add(errors, "handed_over_on", _("Give the date the building was handed over."))
    if plot.handed_over_on and not handed:
        _add(errors, "programme_status", _("A handover date means the building was handed over: choose that "
                                           "status."))
    return errors


def land_warnings(plot) -> list[str]:
    """Kemendagri's criteria for the outlets' land, as reported: flagged, never refused."""
    warnings = []
    if plot.area_m2 is not None and plot.area_m2 < settings.LAND_MIN_AREA_M2:
        warnings.append(_("%(area)s m² is below the %(least)s m² asked for the outlet and warehouse.")
                        % {"area": plot.area_m2, "least": settings.LAND_MIN_AREA_M2})
    if plot.title == plot.Title.NONE:
        warnings.append(_("The plot has no clear title."))
    if plot.disaster_prone:
        warnings.append(_("The plot is in a disaster-prone area."))
    if plot.under_power_lines:
        warnings.append(_("The plot is under high-voltage lines (SUTET)."))
    return warnings


# --- financing readiness ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReadinessItem:
    code: str
    label: str
    query: Q  # the cooperatives that have it

    def holds(self, cooperative) -> bool:
        return READINESS_TESTS[self.code](cooperative)


READINESS = [
    ReadinessItem("legal", gettext_lazy("legal entity (SK AHU)"),
                  Q(legal_entity_number__gt="", legal_entity_date__isnull=False)),
    ReadinessItem("nik", gettext_lazy("Nomor Induk Koperasi"), Q(nik_number__gt="")),
    ReadinessItem("bank", gettext_lazy("bank account in the cooperative's name"),
                  Q(bank_name__gt="", bank_account_number__gt="", bank_account_name__gt="")),
    ReadinessItem("npwp", gettext_lazy("NPWP"), Q(npwp__gt="")),
    ReadinessItem("nib", gettext_lazy("NIB"), Q(nib__gt="")),
    ReadinessItem("microsite", gettext_lazy("published microsite"), Q(microsite_status=MicrositeStatus.PUBLISHED)),
    ReadinessItem("proposal", gettext_lazy("business proposal"), Q(proposal_date__isnull=False)),
]
READINESS_TESTS = {
    "legal": lambda c: bool(c.legal_entity_number and c.legal_entity_date),
    "nik": lambda c: bool(c.nik_number),
    "bank": lambda c: bool(c.bank_name and c.bank_account_number and c.bank_account_name),
    "npwp": lambda c: bool(c.npwp),
    "nib": lambda c: bool(c.nib),
    "microsite": lambda c: c.microsite_status == MicrositeStatus.PUBLISHED,
    "proposal": lambda c: c.proposal_date is not None,
}


@dataclass(frozen=True)
class Readiness:
    items: list[tuple[ReadinessItem, bool]]

    @property
    def ready(self) -> bool:
        return all(done for _item, done in self.items)

    @property
    def missing(self) -> list[str]:
        return [str(item.label) for item, done in self.items if not done]


def readiness(cooperative) -> Readiness:
    return Readiness([(item, item.holds(cooperative)) for item in READINESS])


def ready_query() -> Q:
    query = Q()
    for item in READINESS:
        query &= item.query
    return query


# --- warnings on a whole record ---------------------------------------------------------------------------


def record_warnings(cooperative, *, board, land, financing, day: date) -> list[str]:
    """Every warning of a cooperative's record (rules kept as warnings), each naming its part."""
    warnings = list(board_warnings(board, day=day, village_kind=cooperative.village.kind))
    for plot in land:
        warnings += [_("Land %(plot)s: %(warning)s") % {"plot": plot, "warning": w} for w in land_warnings(plot)]
    for proposal in financing:
        warnings += [_("Financing %(proposal)s: %(warning)s") % {"proposal": proposal, "warning": w}
                     for w in financing_warnings(proposal)]
    return warnings
