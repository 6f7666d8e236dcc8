"""Each regency's time zone: WIB, WITA or WIT, decided by its province.

Every date a person sees or enters about a regency's work is in the regency's zone; stored times stay UTC.
The province mapping lives here only (the import and the migration that filled the column read it). A request
runs in its reader's zone (koperasi_portal.middleware.RegencyTimeZoneMiddleware); work about one regency,
whoever does or reads it, asks for that regency's zone here (`regency_today`, `regency_time`).
"""

from contextlib import AbstractContextManager
from datetime import date, datetime
from functools import cache, wraps
from zoneinfo import ZoneInfo

from django.utils import timezone

WIB = "Asia/Jakarta"  # UTC+7: Sumatra, Java, West and Central Kalimantan
WITA = "Asia/Makassar"  # UTC+8: Bali, Nusa Tenggara, South, East and North Kalimantan, Sulawesi
WIT = "Asia/Jayapura"  # UTC+9: Maluku and Papua
ZONES = (WIB, WITA, WIT)
DEFAULT = WIB

# Kepmendagri province codes.
WITA_PROVINCES = frozenset({"51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"})
WIT_PROVINCES = frozenset({"81", "82"})  # and every Papua province: all codes 9x


def zone_for_code(code: str) -> str:
    """The zone of a province, regency (or any region) from the first two digits of its Kemendagri code."""
    province = (code or "")[:2]
    if province in WITA_PROVINCES:
        return WITA
    if province in WIT_PROVINCES or province.startswith("9"):
        return WIT
    return WIB


@cache
def zone(name: str | None) -> ZoneInfo:
    return ZoneInfo(name if name in ZONES else DEFAULT)


def zone_of(regency) -> ZoneInfo:
    """The regency's zone (the default, WIB, for None)."""
    return zone(getattr(regency, "time_zone", None))


def regency_time(regency, moment: datetime | None = None) -> datetime:
    """A moment (now by default) as the regency's clock shows it."""
    return timezone.localtime(moment or timezone.now(), zone_of(regency))


def regency_today(regency) -> date:
    """Today in the regency."""
    return regency_time(regency).date()


def regency_day(regency, moment: datetime) -> date:
    """The day a moment falls on in the regency."""
    return regency_time(regency, moment).date()


def today_in(name: str) -> date:
    """Today in the zone `name`."""
    return timezone.localtime(timezone.now(), zone(name)).date()


def latest_today() -> date:
    """Today in the easternmost zone (WIT): the latest day any regency has reached. A month that has not begun
    there has begun nowhere."""
    return today_in(WIT)


def in_regency_time(regency) -> AbstractContextManager:
    """`with in_regency_time(regency):` localdate(), localtime(), make_aware() and date rendering follow the
    regency's clock, whoever asks."""
    return timezone.override(zone_of(regency))


def in_time_of(regency_of):
    """Decorate a service (keyword-only arguments) to run in the zone of the regency `regency_of(**kwargs)` gives,
    whoever calls it: `@in_time_of(lambda **kw: kw["mentor"].regency)`."""

    def decorate(function):
        @wraps(function)
        def wrapper(*args, **kwargs):
            with in_regency_time(regency_of(**kwargs)):
                return function(*args, **kwargs)

        return wrapper

    return decorate
