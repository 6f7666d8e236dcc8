from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OfficesConfig(AppConfig):
    """What a regency's cooperative office sets for its own work: workload targets, the widest BA territory,
    when a cooperative without a visit turns amber and red, the day reports are due. Above `mentors` (an office
    admin sets them) and below everything that reads them."""

    name = "offices"
    verbose_name = _("Office settings")
