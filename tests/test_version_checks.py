"""Every editable record carries a version check: two people editing the same thing do not silently overwrite each
other. The second save is refused with a message, and the first person's change stays."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cooperatives.models import BusinessUnit, Cooperative, MonthlyReport, UnitKind, UnitStatus
from regions.models import Regency

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def hidden_version(page) -> str:
    return page.context["version"]


@pytest.fixture
def unit(split):
    cooperative = Cooperative.objects.get(village_id=split.villages[0])
    return BusinessUnit.objects.create(cooperative=cooperative, kind=UnitKind.SEMBAKO, name="Gerai awal",
                                       status=UnitStatus.PLANNED)


def part_url(unit, **query):
    url = reverse("cooperatives:cooperative_part", kwargs={"pk": unit.cooperative_id, "part": "units"})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def unit_post(unit, name, version):
    return {"id": unit.pk, "version": version, "kind": unit.kind, "name": name, "status": unit.status}


def test_a_cooperative_part_edited_in_two_places_keeps_the_first_save(split, admin_user, office_user, unit):
    desk, field = signed_in(admin_user), signed_in(office_user)
    first = hidden_version(desk.get(part_url(unit, edit=unit.pk)))
    second = hidden_version(field.get(part_url(unit, edit=unit.pk)))
    assert first == second
    assert desk.post(part_url(unit), unit_post(unit, "Gerai sembako Desa", first)).status_code == 302
    refused = field.post(part_url(unit), unit_post(unit, "Gerai lama", second), follow=True)
    assert "Tidak ada yang disimpan" in refused.text
    unit.refresh_from_db()
    assert unit.name == "Gerai sembako Desa"
    # With the page read again, the change goes through.
    fresh = hidden_version(field.get(part_url(unit, edit=unit.pk)))
    assert field.post(part_url(unit), unit_post(unit, "Gerai sembako Desa 2", fresh)).status_code == 302
    unit.refresh_from_db()
    assert unit.name == "Gerai sembako Desa 2"


def test_a_part_changed_after_the_page_was_opened_is_not_deleted(split, admin_user, office_user, unit):
    desk, field = signed_in(admin_user), signed_in(office_user)
    listed = field.get(part_url(unit)).text
    assert 'name="version"' in listed
    version = hidden_version(desk.get(part_url(unit, edit=unit.pk)))
    desk.post(part_url(unit), unit_post(unit, "Gerai diganti", version))
    delete = reverse("cooperatives:cooperative_part_delete", kwargs={"pk": unit.cooperative_id, "part": "units",
                                                                       "part_pk": unit.pk})
    refused = field.post(delete, {"version": version}, follow=True)
    assert "Tidak ada yang dihapus" in refused.text and BusinessUnit.objects.filter(pk=unit.pk).exists()


def test_a_report_draft_saved_from_two_devices_keeps_the_first(split):
    month = timezone.localdate().replace(day=1)
    url = reverse("cooperatives:report_detail", kwargs={"mentor_pk": split.ba_mentor.pk, "month": f"{month:%Y-%m}"})
    phone, laptop = signed_in(split.ba), signed_in(split.ba)
    on_phone, on_laptop = hidden_version(phone.get(url)), hidden_version(laptop.get(url))
    phone.post(url, {"action": "save", "version": on_phone, "obstacles": "Jalan rusak", "next_month_plan": "Rapat"})
    refused = laptop.post(url, {"action": "save", "version": on_laptop, "obstacles": "Versi lama",
                                "next_month_plan": ""}, follow=True)
    assert "disimpan dari perangkat lain" in refused.text
    report = MonthlyReport.objects.get(mentor=split.ba_mentor, month=month)
    assert report.obstacles == "Jalan rusak"


def test_regency_limits_saved_by_two_admins_keep_the_first(sukabumi, admin_user):
    from mentors.models import Membership
    from tests.factories import MembershipFactory, UserFactory

    other = MembershipFactory(user=UserFactory(email="admin2@example.test"), regency=sukabumi,
                              role=Membership.Role.ADMIN).user
    url = reverse("reporting:regency_limits", kwargs={"code": sukabumi.code})
    one, two = signed_in(admin_user), signed_in(other)
    first, second = hidden_version(one.get(url)), hidden_version(two.get(url))
    values = {"recency_amber_days": 20, "recency_red_days": 40, "report_due_day": 5, "ba_span_max_km": 30}
    assert one.post(url, {**values, "version": first}).status_code == 302
    refused = two.post(url, {**values, "recency_amber_days": 10, "version": second}, follow=True)
    assert "Tidak ada yang disimpan" in refused.text
    assert Regency.objects.get(pk=sukabumi.pk).recency_amber_days == 20


def test_a_save_without_its_version_is_refused_like_a_stale_one(split, admin_user, unit):
    """A form posted without its version (a hand-made request, an old page) is not a licence to overwrite."""
    from cooperatives import services
    from cooperatives.models import Visit

    desk = signed_in(admin_user)
    post = unit_post(unit, "Tanpa versi", "")
    del post["version"]
    assert "Tidak ada yang disimpan" in desk.post(part_url(unit), post, follow=True).text
    delete = reverse("cooperatives:cooperative_part_delete", kwargs={"pk": unit.cooperative_id, "part": "units",
                                                                       "part_pk": unit.pk})
    assert "Tidak ada yang dihapus" in desk.post(delete, {}, follow=True).text
    unit.refresh_from_db()
    assert unit.name == "Gerai awal"

    month = timezone.localdate().replace(day=1)
    report_url = reverse("cooperatives:report_detail", kwargs={"mentor_pk": split.ba_mentor.pk,
                                                               "month": f"{month:%Y-%m}"})
    ba = signed_in(split.ba)
    ba.post(report_url, {"action": "save", "version": "", "obstacles": "Pertama", "next_month_plan": ""})
    refused = ba.post(report_url, {"action": "save", "obstacles": "Tanpa versi", "next_month_plan": ""}, follow=True)
    assert "disimpan dari perangkat lain" in refused.text
    assert MonthlyReport.objects.get(mentor=split.ba_mentor, month=month).obstacles == "Pertama"

    visit = services.visit_create(actor=None, mentor=split.ba_mentor, cooperative=unit.cooperative,
                                  date=timezone.localdate(), mode="phone", focus_areas=["training"], summary="Awal")
    refused = ba.post(reverse("cooperatives:visit_update", kwargs={"pk": visit.pk}), {
        "date": visit.date.isoformat(), "mode": "phone", "focus_areas": ["training"], "summary": "Tanpa versi",
        "follow-TOTAL_FORMS": 0, "follow-INITIAL_FORMS": 0}, follow=True)
    assert "Orang lain mengubah kunjungan ini" in refused.text
    assert Visit.objects.get(pk=visit.pk).summary == "Awal"

    limits = reverse("reporting:regency_limits", kwargs={"code": split.plan.regency.code})
    refused = desk.post(limits, {"recency_amber_days": 11, "recency_red_days": 40, "report_due_day": 5,
                                 "ba_span_max_km": 30}, follow=True)
    assert "Tidak ada yang disimpan" in refused.text
    assert Regency.objects.get(pk=split.plan.regency_id).recency_amber_days != 11
