from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CooperativesConfig(AppConfig):
    name = "cooperatives"
    verbose_name = _("Cooperatives and mentoring")

    def ready(self):
        from territories import publishing

        from .handovers import plan_in_force_hand_over

        # Whatever route puts a plan in force, the villages that change hands are handed over (with history).
        publishing.when_in_force(plan_in_force_hand_over)
