from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """The commands that set up, measure and exercise the portal (demo, benchmarks, scale seeding, load tests),
    apart from what serves its users. Nothing imports this app."""

    name = "operations"
    default_auto_field = "django.db.models.BigAutoField"
