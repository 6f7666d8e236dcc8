"""What a document the office prints and signs shows of it: the letterhead (kop surat) and the signature block, from
the regency's settings. A setting the office has not filled in is named as missing, with a link to the settings for
its admins: a print page never makes up an office name, a head or a town."""

from dataclasses import dataclass, field

from django.urls import reverse
from django.utils import timezone

from .access import can_set_office_settings
from .letterhead import logo_data_uri
from .models import OfficeSettings

# What a signed document cannot do without, in the order the settings page asks for it.
REQUIRED = ["office_name", "address", "head_name", "head_title", "head_nip", "sign_town"]


@dataclass
class DocumentFrame:
    regency: object
    office: OfficeSettings
    logo: str = ""  # a data: URI, or ""
    missing: list[str] = field(default_factory=list)  # the labels of the settings still empty
    settings_url: str = ""  # for those who may fill them in
    today: object = None  # the day it is printed (in the portal's time zone, that of the regencies for now)

    @property
    def complete(self) -> bool:
        return not self.missing


def document_frame(user, regency) -> DocumentFrame:
    """The letterhead and signature block of `regency`'s documents as `user` prints them."""
    office = OfficeSettings.of(regency)
    missing = [str(OfficeSettings._meta.get_field(name).verbose_name) for name in REQUIRED if not getattr(office, name)]
    url = (
        reverse("offices:documents", kwargs={"code": regency.code}) if can_set_office_settings(user, regency.pk) else ""
    )
    return DocumentFrame(
        regency=regency,
        office=office,
        logo=logo_data_uri(office),
        missing=missing,
        settings_url=url,
        today=timezone.localdate(),
    )


def default_office_name(regency) -> str:
    """The name the settings form proposes until the office saves its own (a proper name, in Indonesian whatever
    the page's language): each regency's office is named differently, so it is a proposal to check, never printed
    unsaved."""
    return f"Dinas Koperasi, Usaha Kecil, dan Menengah {regency.name}"
