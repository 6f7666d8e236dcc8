import datetime

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from mentors.models import Membership, Mentor
from regions.models import District, Province, Regency, Village


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["email"]

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    full_name = factory.Faker("name", locale="id_ID")
    password = factory.django.Password("correct-horse-battery")


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

    user = factory.SubFactory(UserFactory)
    regency = factory.SubFactory(RegencyFactory)
    role = Membership.Role.ADMIN
