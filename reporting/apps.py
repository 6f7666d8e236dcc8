from django.apps import AppConfig


class ReportingConfig(AppConfig):
    """Figures, dashboards, maps and the month-end recap: what the offices, provinces and the nation read."""

    name = "reporting"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from regions.signals import regency_past_changed

        regency_past_changed.connect(recap_past_changed, dispatch_uid="reporting.recap_past_changed")


def recap_past_changed(sender, *, regency_id, first, last, **kwargs):
    """Something dated in a regency's closed months changed: their kept recap rows are marked stale and a job
    recomputes them (enqueued in the writer's transaction: it runs once the change is committed)."""
    from .recap import recap_mark_stale
    from .tasks import recap_regency_refresh

    months = recap_mark_stale(regency_id=regency_id, first=first, last=last)
    if months:
        recap_regency_refresh.enqueue(regency_id=regency_id, months=[month.isoformat() for month in months])
