from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ToolkitConfig(AppConfig):
    """The bottom app: tools every other app may use (the mail outbox, the job schedule). It imports no other
    app of the project."""

    name = "toolkit"
    verbose_name = _("Toolkit")

    def ready(self):
        from . import jobs  # noqa: F401 - registers the schedule's system check
