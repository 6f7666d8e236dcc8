from django.urls import path, register_converter

from . import views


class RegionCode:
    """A dotted Kemendagri code with a fixed number of parts, e.g. 32.02 or 32.02.01.2002."""

    widths: tuple[int, ...] = ()

    def __init__(self):
        self.regex = r"\.".join(rf"\d{{{width}}}" for width in self.widths)

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


class RegencyCode(RegionCode):
    widths = (2, 2)


class DistrictCode(RegionCode):
    widths = (2, 2, 2)


class VillageCode(RegionCode):
    widths = (2, 2, 2, 4)


register_converter(RegencyCode, "regency")
register_converter(DistrictCode, "district")
register_converter(VillageCode, "village")

app_name = "territories"
urlpatterns = [
    path("", views.regency_list, name="regency_list"),
    path("<regency:code>/", views.regency_detail, name="regency_detail"),
    path("<district:code>/", views.district_detail, name="district_detail"),
    path("<village:code>/", views.village_detail, name="village_detail"),
]
