"""Publishing a draft: the plan in force is archived and the draft takes effect, in one transaction; or, with a
later effective date, the draft is scheduled and takes effect on that day (`plans_take_effect`, a periodic job)."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from mentors.selectors import office_admin_addresses
from offices.models import OfficeSettings
from offices.services import DocumentNumberError, document_number_issue, document_number_record, numbers_same
from regions.models import Regency
from regions.signals import past_changed
from regions.timezones import latest_today, regency_today
from toolkit.mail import mail_queue
from toolkit.versions import check_version

from .access import can_manage_plans_of
from .models import PlanChange, TerritoryPlan
from .selectors import plan_snapshot, plan_validation
from .services import PlanError, _claim, _log

# What the apps above do when a plan takes effect (e.g. `cooperatives` records the handovers of the villages that
# change hands): functions `(*, plan, previous, actor)` they add with `when_in_force`, called in the publishing
# transaction right after the plan became the plan in force, whatever route brought it (the editor, a workbook, a
# proposal, a handover, a scheduled plan on its day). An error in one undoes the publish.
_IN_FORCE_HOOKS: list = []


def when_in_force(hook) -> None:
    """Call `hook(plan=…, previous=…, actor=…)` each time a plan takes effect (once per function)."""
    if hook not in _IN_FORCE_HOOKS:
        _IN_FORCE_HOOKS.append(hook)


class PlanInvalid(PlanError):
    def __init__(self, validation):
        super().__init__(_("The plan has blocking problems; it was not published."))
        self.validation = validation


@transaction.atomic
def plan_publish(*, actor, plan: TerritoryPlan, version: int, effective_from: date, decree_number: str = "",
                 reviewed_active_id: int | None = None) -> TerritoryPlan:
    """Publish a draft. Effective today or earlier: in one transaction the plan in force is archived (until the
    day before) and the draft becomes the plan in force. Effective on a later day: the draft is scheduled
    ("in force from …"); the plan in force stays until `plans_take_effect` runs on that day. A draft with blocking
    problems, or a race with another publish, changes nothing.

    `reviewed_active_id` is the plan in force the admin compared the draft with; if another plan was published
    since, the publish is refused.
    """
    Regency.objects.select_for_update().filter(pk=plan.regency_id).first()  # one publish per regency at a time
    later = effective_from > regency_today(plan.regency)
    _claim(plan, version, actor=actor, date=effective_from.strftime("%d-%m-%Y"),
           message=gettext_noop("scheduled, in force from %(date)s") if later
           else gettext_noop("published, in force from %(date)s"))
    scheduled = TerritoryPlan.objects.filter(regency_id=plan.regency_id, status=TerritoryPlan.Status.SCHEDULED).first()
    if scheduled is not None:
        raise PlanError(_("“%(name)s” is scheduled to take effect on %(date)s: withdraw it before publishing another "
                          "plan.") % {"name": scheduled.name, "date": scheduled.effective_from.strftime("%d-%m-%Y")})
    current = (
        TerritoryPlan.objects.select_for_update()
        .filter(regency_id=plan.regency_id, status=TerritoryPlan.Status.ACTIVE)
        .first()
    )
    if (current.pk if current else None) != reviewed_active_id:
        raise PlanError(_("Another plan was published while you were reviewing this one. Nothing was changed: "
                          "review the differences again before publishing."))
    if current is not None and effective_from <= current.effective_from:
        raise PlanError(_("The new plan must take effect after %(date)s, the start of the plan in force.")
                        % {"date": current.effective_from.strftime("%d-%m-%Y")})
    validation = plan_validation(plan, plan_snapshot(plan), effective_date=effective_from)
    if not validation.ok:
        raise PlanInvalid(validation)
    plan.refresh_from_db()
    plan.effective_from = effective_from
    number = " ".join(decree_number.split())
    _decree_number_record(plan, number, actor=actor, on=timezone.localdate(),
                          subject=plan.decree_subject or decree_subject_default(plan))
    plan.decree_number = number
    plan.published_by = actor
    plan.published_at = timezone.now()
    if later:
        plan.status = TerritoryPlan.Status.SCHEDULED
        _save(plan, actor)
        return plan
    _take_effect(plan, current, actor=actor)
    return plan


def decree_subject_default(plan: TerritoryPlan) -> str:
    """What the decree of a split is about, as an office would title it (Indonesian, the decree's own language)."""
    return ("Pembagian Wilayah Kerja Project Management Office dan Business Assistant Koperasi Desa/Kelurahan "
            f"Merah Putih {plan.regency.name}")


@transaction.atomic
def plan_decree_set(*, actor, plan: TerritoryPlan, version: int | None, dated: date, subject: str,
                    number: str = "", issue: bool = False) -> TerritoryPlan:
    """Record the decree whose annex the plan is: its number, date and subject (TENTANG). With `issue` (and no
    number typed), the number is the office's next one from its register, given for this decree once: a plan that
    has a number keeps it. An archived plan's decree stays as it was. `version` as for every plan edit."""
    if actor is not None and not can_manage_plans_of(actor, plan.regency_id):
        raise PermissionDenied
    current = TerritoryPlan.objects.select_for_update().select_related("regency").filter(pk=plan.pk).first()
    if current is None or current.status == TerritoryPlan.Status.ARCHIVED:
        raise PlanError(_("The plan is archived: its decree is kept as it was."))
    check_version(current, version, locked=True)
    number = " ".join(number.split())
    if current.status == TerritoryPlan.Status.DRAFT and (issue or number):
        raise PlanError(_("A draft takes no decree number: the decree is numbered once the plan is published or "
                          "scheduled. Record its date and subject now, and its number after publishing."))
    if issue and not number:
        if current.decree_number:
            raise PlanError(_("This plan's decree already has the number %(number)s.")
                            % {"number": current.decree_number})
        try:
            number = document_number_issue(actor=actor, regency=current.regency, on=dated,
                                           document=f"Keputusan tentang {subject}").number
        except DocumentNumberError as error:
            raise PlanError(str(error)) from error
    else:
        _decree_number_record(current, number, actor=actor, on=dated, subject=subject)
    current.decree_number, current.decree_date, current.decree_subject = number, dated, subject.strip()
    current.version += 1
    current.full_clean()
    _save(current, actor)
    _log(current, actor, gettext_noop("decree recorded: number %(number)s of %(date)s"),
         number=number or "–", date=dated.strftime("%d-%m-%Y"))
    plan.decree_number, plan.decree_date, plan.decree_subject, plan.version = (
        number, dated, current.decree_subject, current.version)
    return current


def _decree_number_record(plan: TerritoryPlan, number: str, *, actor, on: date, subject: str) -> None:
    """A decree number typed for the plan: entered in the office's register when it is in the office's pattern
    (the register then never gives it again), refused when it repeats a number of the register. The plan's own
    number typed again (zeros in front or not) is kept as it is."""
    office = OfficeSettings.objects.filter(regency_id=plan.regency_id).first()
    if not number or numbers_same(office.number_pattern if office else "", number, plan.decree_number):
        return
    try:
        document_number_record(actor=actor, regency=plan.regency, number=number, on=on,
                               document=f"Keputusan tentang {subject.strip()}")
    except DocumentNumberError as error:
        raise PlanError(str(error)) from error


def _save(plan: TerritoryPlan, actor) -> None:
    plan._history_user = actor
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError as error:  # the database's last word: one plan in force (and one scheduled) per regency
        raise PlanError(_("Another plan was published at the same time. Nothing was changed.")) from error


def _take_effect(plan: TerritoryPlan, current: TerritoryPlan | None, *, actor) -> None:
    """Archive `current` until the day before `plan.effective_from` and make `plan` the plan in force."""
    if current is not None:
        current.status = TerritoryPlan.Status.ARCHIVED
        current.effective_to = plan.effective_from - timedelta(days=1)
        current._history_user = actor
        current.save(update_fields=["status", "effective_to"])
        _log(current, actor, gettext_noop("archived: superseded by “%(name)s”"), name=plan.name)
    plan.status = TerritoryPlan.Status.ACTIVE
    _save(plan, actor)
    for hook in _IN_FORCE_HOOKS:
        hook(plan=plan, previous=current, actor=actor)
    # Published back-dated: who covered what changed for every month's end since the plan's first day.
    past_changed(sender=TerritoryPlan, regency_id=plan.regency_id, first=plan.effective_from)


@transaction.atomic
def plan_withdraw(*, actor, plan: TerritoryPlan) -> TerritoryPlan:
    """Take a scheduled plan back to a draft: before its date, or after a day whose checks it failed (it never was
    in force, so nothing of the plan in force changes). The row lock orders it with the job that makes it take
    effect: whichever comes second finds the plan no longer scheduled."""
    if actor is not None and not can_manage_plans_of(actor, plan.regency_id):
        raise PermissionDenied
    current = TerritoryPlan.objects.select_for_update().filter(pk=plan.pk).first()
    if current is None or not current.is_scheduled:
        raise PlanError(_("Only a scheduled plan can be withdrawn. This one is not scheduled (any more)."))
    day = current.effective_from.strftime("%d-%m-%Y")
    current.status = TerritoryPlan.Status.DRAFT
    current.effective_from = None
    current.published_by = None
    current.published_at = None
    current.version += 1
    current._history_user = actor
    current.save()
    _log(current, actor, gettext_noop("withdrawn before it took effect on %(date)s: a draft again"), date=day)
    return current


# The log entry that tells the office a scheduled plan could not take effect (once per plan and day).
NOT_IN_FORCE = gettext_noop("could not take effect on %(date)s: %(problems)s. It stays scheduled until the "
                            "problems are fixed (withdraw it, change it and publish it again).")


@dataclass(frozen=True)
class Refusal:
    """A scheduled plan whose day came and whose checks failed (the last time the job tried): it waits for the office
    to withdraw it, fix it and publish it again, or for its problem (e.g. a contract) to be fixed."""

    plan: TerritoryPlan
    day: str  # the day of the last refusal, dd-mm-yyyy
    problems: str  # in the portal's language, as the e-mail said them


def plans_refused(regency_ids=None, *, limit: int = 5) -> list[Refusal]:
    """The scheduled plans of the regencies (all when None) that failed their checks since they were scheduled, with
    the last refusal's day and problems, oldest scheduled day first (two queries). A plan that takes effect, or is
    withdrawn, is no longer scheduled and leaves the list."""
    plans = TerritoryPlan.objects.filter(status=TerritoryPlan.Status.SCHEDULED, changes__message=NOT_IN_FORCE,
                                         effective_from__lte=timezone.localdate()).select_related("regency").distinct()
    if regency_ids is not None:
        plans = plans.filter(regency_id__in=regency_ids)
    plans = list(plans.order_by("effective_from", "pk")[:limit])
    last: dict[int, PlanChange] = {}
    for change in PlanChange.objects.filter(plan__in=plans, message=NOT_IN_FORCE).order_by("plan_id", "-at", "-pk"):
        last.setdefault(change.plan_id, change)
    return [Refusal(plan, last[plan.pk].params.get("date", ""), last[plan.pk].params.get("problems", ""))
            for plan in plans if plan.published_at is None or last[plan.pk].at >= plan.published_at]


def plans_take_effect(*, today: date | None = None) -> dict:
    """Make each scheduled plan whose day has come the plan in force, after running the publish checks again for
    that day. A plan that fails them stays scheduled and the regency's office is told (the change log and an
    e-mail to its admins, once a day). Returns {"in_force": [plan ids], "refused": [plan ids]}."""
    # Each plan's day is its regency's (regions.timezones): the plans whose day came in the easternmost zone are
    # read, and each waits for its own regency's day.
    asked = today
    done = {"in_force": [], "refused": []}
    due = list(TerritoryPlan.objects.filter(status=TerritoryPlan.Status.SCHEDULED,
                                            effective_from__lte=asked or latest_today()).values_list("pk", flat=True))
    for pk in due:
        with transaction.atomic():
            plan = TerritoryPlan.objects.select_related("regency").get(pk=pk)
            Regency.objects.select_for_update().filter(pk=plan.regency_id).first()
            plan = TerritoryPlan.objects.select_for_update().select_related("regency").filter(
                pk=pk, status=TerritoryPlan.Status.SCHEDULED).first()
            if plan is None:
                continue  # withdrawn or done meanwhile
            today = asked or regency_today(plan.regency)
            if plan.effective_from > today:
                continue  # its day has not come in its regency yet
            # A plan that failed its checks on its day and passes them later takes effect on the later day: the
            # history says who covered what on each day as it was.
            scheduled_day = plan.effective_from
            plan.effective_from = max(plan.effective_from, today)
            validation = plan_validation(plan, plan_snapshot(plan), effective_date=plan.effective_from)
            if not validation.ok:
                _refused(plan, validation, today)
                done["refused"].append(pk)
                continue
            current = (TerritoryPlan.objects.select_for_update()
                       .filter(regency_id=plan.regency_id, status=TerritoryPlan.Status.ACTIVE).first())
            _take_effect(plan, current, actor=None)
            if plan.effective_from == scheduled_day:
                _log(plan, None, gettext_noop("in force from %(date)s, as scheduled"),
                     date=plan.effective_from.strftime("%d-%m-%Y"))
            else:
                _log(plan, None, gettext_noop("in force from %(date)s, later than scheduled (%(scheduled)s): its "
                                              "checks failed until then"),
                     date=plan.effective_from.strftime("%d-%m-%Y"), scheduled=scheduled_day.strftime("%d-%m-%Y"))
            done["in_force"].append(pk)
    return done


def _refused(plan: TerritoryPlan, validation, today: date) -> None:
    plan.refresh_from_db(fields=["effective_from"])  # its scheduled day, for the message
    day = today.strftime("%d-%m-%Y")
    if plan.changes.filter(message=NOT_IN_FORCE, params__date=day).exists():
        return  # told today already
    with translation.override(settings.LANGUAGE_CODE):
        problems = "; ".join(f"{issue.message} ({', '.join(issue.items[:5])})" if issue.items else str(issue.message)
                             for issue in validation.blocking[:5])
        _log(plan, None, NOT_IN_FORCE, date=day, problems=problems)
        to = office_admin_addresses(plan.regency_id)
        if to:
            subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + _("“%(name)s” could not take effect") % {
                "name": plan.name}
            body = _("The plan “%(name)s” was scheduled to take effect on %(date)s, but the publish checks of that "
                     "day found blocking problems, so the plan in force has not changed:\n\n%(problems)s\n\n"
                     "Open the plan to withdraw it, fix it and publish it again:\n%(link)s\n") % {
                "name": plan.name, "date": plan.effective_from.strftime("%d-%m-%Y"), "problems": problems,
                "link": settings.SITE_URL + plan.get_absolute_url()}
            mail_queue(subject=subject, body=body, to=to)
