"""Publishing a draft: the plan in force is archived and the draft takes effect, in one transaction."""

from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from regions.models import Regency

from .models import TerritoryPlan
from .selectors import plan_snapshot, plan_validation
from .services import PlanError, _claim, _log


class PlanInvalid(PlanError):
    def __init__(self, validation):
        super().__init__(_("The plan has blocking problems; it was not published."))
        self.validation = validation


@transaction.atomic
def plan_publish(*, actor, plan: TerritoryPlan, version: int, effective_from: date, decree_number: str = "",
                 reviewed_active_id: int | None = None) -> TerritoryPlan:
    """Publish a draft: in one transaction the plan in force is archived (until the day before) and the draft
    becomes the plan in force. A draft with blocking problems, or a race with another publish, changes nothing.

    `reviewed_active_id` is the plan in force the admin compared the draft with; if another plan was published
    since, the publish is refused.
    """
    Regency.objects.select_for_update().filter(pk=plan.regency_id).first()  # one publish per regency at a time
    if effective_from > timezone.localdate():
        raise PlanError(_("A plan takes effect when it is published: publish it on its effective date, not before."))
    _claim(plan, version, actor=actor, message=gettext_noop("published, in force from %(date)s"),
           date=effective_from.strftime("%d-%m-%Y"))
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
    if current is not None:
        current.status = TerritoryPlan.Status.ARCHIVED
        current.effective_to = effective_from - timedelta(days=1)
        current._history_user = actor
        current.save(update_fields=["status", "effective_to"])
        _log(current, actor, gettext_noop("archived: superseded by “%(name)s”"), name=plan.name)
    plan.refresh_from_db()
    plan.status = TerritoryPlan.Status.ACTIVE
    plan.effective_from = effective_from
    plan.decree_number = decree_number.strip()
    plan.published_by = actor
    plan.published_at = timezone.now()
    plan._history_user = actor
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError as error:  # the database's last word: one plan in force per regency
        raise PlanError(_("Another plan was published at the same time. Nothing was changed.")) from error
    return plan
