from django.apps import AppConfig


class ReportingConfig(AppConfig):
    """Figures, dashboards, maps and the month-end recap: what the offices, provinces and the nation read."""

    name = "reporting"
    default_auto_field = "django.db.models.BigAutoField"
