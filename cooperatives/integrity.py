"""The rules a cooperative's record keeps, in one place: the forms, the import, the services and
`check_cooperatives` all ask here, so a rule cannot hold in one door and not in another.

Each `*_problems` function returns {field: [messages]} (empty when the record is fine) without touching the
database; the rules that read other rows (units, the stage before) are in `stage_problems`.
"""

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


def cooperative_problems(cooperative) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    number = sk_ahu_normalize(cooperative.legal_entity_number)
    if number and not SK_AHU_PATTERN.match(number):
        _add(errors, "legal_entity_number", _("“%(value)s” is not an SK AHU number: write it like "
                                              "AHU-0001234.AH.01.29.TAHUN 2025.") % {"value": number})
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


def stage_problems(*, old_stage: str | None, new_stage: str, reason: str, has_operating_unit: bool) -> dict:
    """Rules of a stage change that read beyond the record: a step back needs a reason (kept in the timeline),
    and "operating" needs a business unit that operates."""
    errors: dict[str, list[str]] = {}
    if old_stage and Stage.order(new_stage) < Stage.order(old_stage) and not (reason or "").strip():
        _add(errors, "stage_reason", _("The stage moves back from “%(old)s” to “%(new)s”: say why.")
             % {"old": Stage(old_stage).label, "new": Stage(new_stage).label})
    if new_stage == Stage.OPERATING and not has_operating_unit:
        _add(errors, "stage", _("“Operating” needs at least one business unit whose status is operating: set "
                                "the unit's status first."))
    return errors


def unit_problems(unit) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    _check_day(errors, "construction_started_on", unit.construction_started_on, earliest=PROGRAMME_START)
    _check_day(errors, "opened_on", unit.opened_on, earliest=PROGRAMME_START)
    if unit.opened_on and unit.construction_started_on and unit.opened_on < unit.construction_started_on:
        _add(errors, "opened_on", _("A unit opens after its construction starts."))
    if unit.opened_on and unit.status != UnitStatus.OPERATING:
        _add(errors, "status", _("A unit with an opening date is operating."))
    return errors


def board_problems(member) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    _check_day(errors, "term_start", member.term_start)
    if member.term_end and member.term_start and member.term_end < member.term_start:
        _add(errors, "term_end", _("A term ends after it starts."))
    if member.term_end and member.term_start and (member.term_end - member.term_start).days > 366 * 10:
        _add(errors, "term_end", _("A term of more than ten years is not plausible: check the years."))
    return errors


def member_count_problems(count) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    _check_day(errors, "counted_on", count.counted_on, earliest=PROGRAMME_START)
    if count.count is not None and count.count > MAX_MEMBERS:
        _add(errors, "count", _("%(count)s members is not plausible for a village cooperative (at most "
                                "%(most)s).") % {"count": count.count, "most": MAX_MEMBERS})
    return errors


def financing_problems(proposal) -> dict[str, list[str]]:
    """PMK 49/2025's limits (settings FINANCING_*) and a status that follows its dates and amounts."""
    errors: dict[str, list[str]] = {}
    status = proposal.Status
    asked = proposal.asked
    most, most_working = settings.FINANCING_MAX_TOTAL, settings.FINANCING_MAX_WORKING_CAPITAL
    if asked <= 0:
        _add(errors, "working_capital", _("Give the amount asked (working capital, investment or both)."))
    if asked > most:
        _add(errors, "investment", _("Rp %(asked)s asked in total: the most is Rp %(most)s.")
             % {"asked": f"{asked:,}".replace(",", "."), "most": f"{most:,}".replace(",", ".")})
    if (proposal.working_capital or 0) > most_working:
        _add(errors, "working_capital", _("Rp %(asked)s of working capital: the most is Rp %(most)s.")
             % {"asked": f"{proposal.working_capital:,}".replace(",", "."),
                "most": f"{most_working:,}".replace(",", ".")})
    longest = settings.FINANCING_MAX_TENOR_MONTHS
    if proposal.tenor_months is not None and not 1 <= proposal.tenor_months <= longest:
        _add(errors, "tenor_months", _("A tenor of 1 to %(most)d months.") % {"most": longest})
    _check_day(errors, "submitted_on", proposal.submitted_on, earliest=PROGRAMME_START)
    _check_day(errors, "decided_on", proposal.decided_on, earliest=PROGRAMME_START)
    _check_day(errors, "disbursed_on", proposal.disbursed_on, earliest=PROGRAMME_START)
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
