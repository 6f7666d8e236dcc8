import datetime

import factory
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.contrib.auth import get_user_model
from django.utils import timezone

from mentors.models import Membership, Mentor, ReadingGrant
from mentors.services import authenticator_apps_add
from regions.models import District, Province, Regency, Village

# The authenticator app of every admin the factories make (admins must sign in with a second factor).
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def enrol_totp(user, secret: str = TOTP_SECRET):
    """Give `user` an authenticator app with `secret` (once)."""
    authenticator_apps_add([user], secret)
    return user


def totp_code(secret: str = TOTP_SECRET, *, at: float | None = None) -> str:
    """The code the authenticator app shows now (or at the Unix time `at`)."""
    import time

    return format_hotp_value(hotp_value(secret, int(at if at is not None else time.time()) // 30))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["email"]
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    full_name = factory.Faker("name", locale="id_ID")
    password = factory.django.Password("correct-horse-battery")

    @factory.post_generation
    def mfa(obj, create, extracted, **kwargs):
        """Superusers and Django admin users get an authenticator app unless made with mfa=False."""
        if create and extracted is not False and (obj.is_superuser or obj.is_staff):
            enrol_totp(obj)


class ProvinceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Province
        django_get_or_create = ["code"]

    code = "99"
    name = "Provinsi Contoh"


class RegencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Regency
        django_get_or_create = ["code"]

    province = factory.SubFactory(ProvinceFactory)
    code = factory.Sequence(lambda n: f"99.{n % 100:02d}")
    name = factory.Sequence(lambda n: f"Kabupaten Contoh {n}")


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District

    regency = factory.SubFactory(RegencyFactory)
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.regency.code}.{n % 100:02d}")
    name = factory.Sequence(lambda n: f"Kecamatan Contoh {n}")


class VillageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Village

    district = factory.SubFactory(DistrictFactory)
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.district.code}.{2001 + n % 999}")
    name = factory.Sequence(lambda n: f"Desa Contoh {n}")
    kind = factory.LazyAttribute(lambda o: Village.kind_for_code(o.code))
    postal_code = "43100"


class MentorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mentor

    regency = factory.SubFactory(RegencyFactory)
    full_name = factory.Sequence(lambda n: f"Pendamping Contoh {n}")
    role = Mentor.Role.BA
    email = factory.Sequence(lambda n: f"mentor{n}@example.test")
    phone = factory.Sequence(lambda n: f"+62812{n:08d}")
    # A contract that covers the past year and the year ahead, whatever day the suite runs.
    contract_start = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=365))
    contract_end = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=365))


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    regency = factory.SubFactory(RegencyFactory)
    role = Membership.Role.ADMIN

    @factory.post_generation
    def mfa(obj, create, extracted, **kwargs):
        """An admin gets an authenticator app unless made with mfa=False."""
        if create and extracted is not False and obj.role == Membership.Role.ADMIN:
            enrol_totp(obj.user)


class ReadingGrantFactory(factory.django.DjangoModelFactory):
    """A province reader by default; `province=None, role="national"` for a national reader."""

    class Meta:
        model = ReadingGrant
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    province = factory.SubFactory(ProvinceFactory)
    role = ReadingGrant.Role.STAFF


# --- a cooperative brought to a stage the way the programme's rules ask ---------------------------------------

NOTARY = {"notary_deed_number": "12", "notary_deed_date": datetime.date(2025, 7, 1),
          "notary_name": "Notaris Uji, S.H., M.Kn. (fiktif)"}


def sk_ahu(number: int = 1, year: int = 2025) -> str:
    return f"AHU-{number:07d}.AH.01.29.TAHUN {year}"


def cooperative_to_stage(cooperative, stage, *, number: int = 1, **values):
    """Bring a test cooperative to `stage` with what each stage needs (`cooperatives/integrity.py`): the notary
    deed, the SK AHU (`number`), the SIMKOPDES account, a land plot near the village, a unit built (or operating),
    and a reason for the stages skipped. `values` add to (or override) the record's fields."""
    from cooperatives import services
    from cooperatives.models import LandPlot, Stage

    order = Stage.order(stage)
    facts: dict = {}
    if order >= Stage.order(Stage.NOTARY_DEED):
        facts.update(NOTARY)
    if order >= Stage.order(Stage.LEGAL_ENTITY):
        facts.update(legal_entity_number=sk_ahu(number), legal_entity_date=datetime.date(2025, 8, 1))
    if order >= Stage.order(Stage.SIMKOPDES):
        facts.update(simkopdes_status="active")
    if order >= Stage.order(Stage.LAND_SECURED) and not cooperative.land.exists():
        village = cooperative.village
        LandPlot.objects.create(cooperative=cooperative, latitude=village.latitude or "-6.92",
                                longitude=village.longitude or "106.93", area_m2=1200, status="secured",
                                title="asset_record", recorded_on=datetime.date(2025, 12, 1))
    if order >= Stage.order(Stage.OUTLETS_BUILT) and "units" not in values:
        facts.update(units=["sembako"], other_units=[],
                     unit_statuses={("sembako", ""): "operating" if stage == Stage.OPERATING else "built"})
    facts.update(values)
    return services.cooperative_update(actor=None, cooperative=cooperative, version=None, stage=stage,
                                       stage_reason="dicatat langsung pada tahap ini (data uji)", **facts)
