"""The administrative regions of Indonesia: Kepmendagri codes and names, coordinates and boundaries.

The bottom of the app stack: nothing here knows the apps built on it."""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from . import timezones


class Region(models.Model):
    """Fields every level of the Kemendagri hierarchy shares."""

    code = models.CharField(_("code"), max_length=13, unique=True)
    name = models.CharField(_("name"), max_length=100, db_index=True)

    class Meta:
        abstract = True
        ordering = ["code"]

    def __str__(self):
        return self.name


class Located(models.Model):
    """An optional point (the centroid of the region's boundary)."""

    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def has_location(self):
        return self.latitude is not None and self.longitude is not None


class Province(Region):
    class Meta(Region.Meta):
        verbose_name = _("province")
        verbose_name_plural = _("provinces")


class Regency(Region):
    class Kind(models.TextChoices):
        REGENCY = "kabupaten", _("regency (kabupaten)")
        CITY = "kota", _("city (kota)")

    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="regencies",
                                 verbose_name=_("province"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.REGENCY)

    class TimeZone(models.TextChoices):
        WIB = timezones.WIB, _("WIB (UTC+7, Asia/Jakarta)")
        WITA = timezones.WITA, _("WITA (UTC+8, Asia/Makassar)")
        WIT = timezones.WIT, _("WIT (UTC+9, Asia/Jayapura)")

    # Every date of the regency's work is in its zone (regions.timezones); the import sets it from the province.
    time_zone = models.CharField(_("time zone"), max_length=20, choices=TimeZone.choices, default=TimeZone.WIB)
    # What the regency's office sets for its own work (targets, limits, due day) is kept above, with the offices.

    class Meta(Region.Meta):
        verbose_name = _("regency")
        verbose_name_plural = _("regencies")

    def get_absolute_url(self):
        return reverse("regions:regency_detail", kwargs={"code": self.code})


class District(Region, Located):
    regency = models.ForeignKey(Regency, on_delete=models.PROTECT, related_name="districts",
                                verbose_name=_("regency"))

    class Meta(Region.Meta):
        verbose_name = _("district")
        verbose_name_plural = _("districts")

    def get_absolute_url(self):
        return reverse("regions:district_detail", kwargs={"code": self.code})


class Village(Region, Located):
    class Kind(models.TextChoices):
        # The first digit of the village part of the code tells the kind.
        KELURAHAN = "kelurahan", _("urban village (kelurahan)")
        DESA = "desa", _("village (desa)")
        DESA_ADAT = "desa_adat", _("customary village (desa adat)")

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="villages",
                                 verbose_name=_("district"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    postal_code = models.CharField(_("postal code"), max_length=5, blank=True)

    class Meta(Region.Meta):
        verbose_name = _("village")
        verbose_name_plural = _("villages")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["kelurahan", "desa", "desa_adat"]), name="village_kind_known"
            ),
        ]

    def get_absolute_url(self):
        return reverse("regions:village_detail", kwargs={"code": self.code})

    @staticmethod
    def kind_for_code(code: str) -> str:
        """`32.02.01.1001` is a kelurahan, `…2xxx` a desa, `…3xxx` a desa adat."""
        first = code.rsplit(".", 1)[-1][:1]
        return {"1": Village.Kind.KELURAHAN, "3": Village.Kind.DESA_ADAT}.get(first, Village.Kind.DESA)


class Boundary(models.Model):
    """A boundary polygon (GeoJSON geometry) of a district or village, kept apart so lists never load it."""

    code = models.CharField(_("region code"), max_length=13, unique=True)
    geometry = models.JSONField(_("geometry"))
    # A lighter copy for maps (regions.geometry.simplified), made when the boundary is imported.
    outline = models.JSONField(_("outline for maps"), null=True, blank=True)
    # Codes of the boundaries of the same regency and level whose outline touches this one (for planning).
    neighbours = models.JSONField(_("neighbours"), default=list, blank=True)
    imported_at = models.DateTimeField(_("imported at"), auto_now=True)

    class Meta:
        verbose_name = _("boundary")
        verbose_name_plural = _("boundaries")
        ordering = ["code"]

    def __str__(self):
        return self.code

