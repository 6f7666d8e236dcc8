import datetime

import factory
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.contrib.auth import get_user_model
from django.utils import timezone

from mentors.models import Membership, Mentor
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
