"""A visit's evidence as its reviewer sees it: the photo's EXIF time and place kept at upload, the distance to the
village's point, the flags (another day, too far, recorded late), the thumbnails only within scope, and the
dashboards' counts of visits with and without evidence."""

import io
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from cooperatives import evidence
from cooperatives import services as registry
from cooperatives.models import Cooperative, Visit
from cooperatives.selectors import month_start
from offices.services import office_settings_update
from regions.models import Village
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# The village's point in these tests, and places at known distances from it.
VILLAGE = (Decimal("-6.900000"), Decimal("106.900000"))


def dms(value: float) -> tuple[float, float, float]:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    return float(degrees), float(minutes), round((value - degrees - minutes / 60) * 3600, 4)


def photo(*, original=None, plain=None, offset=None, at=None, name="gerai.jpg"):
    """A JPEG as a phone writes it: DateTimeOriginal (with OffsetTimeOriginal), DateTime, a GPS position."""
    exif = Image.Exif()
    if plain:
        exif[0x0132] = plain
    details = {}
    if original:
        details[0x9003] = original
    if offset:
        details[0x9011] = offset
    if details:
        exif[0x8769] = details
    if at:
        latitude, longitude = at
        exif[0x8825] = {1: "S" if latitude < 0 else "N", 2: dms(latitude), 3: "E" if longitude > 0 else "W",
                        4: dms(longitude)}
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (120, 160, 200)).save(buffer, "JPEG", exif=exif)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


# --- EXIF at upload -------------------------------------------------------------------------------------------


def test_the_time_the_photo_was_taken_is_preferred_to_the_time_it_was_last_saved():
    stored = evidence.prepare(photo(original="2026:11:20 09:41:00", plain="2026:11:23 18:00:00"))
    assert timezone.localtime(stored.taken_at).strftime("%Y-%m-%d %H:%M") == "2026-11-20 09:41"


def test_without_the_original_time_the_saved_time_is_kept():
    stored = evidence.prepare(photo(plain="2026:11:23 18:00:05"))
    assert timezone.localtime(stored.taken_at).strftime("%Y-%m-%d %H:%M:%S") == "2026-11-23 18:00:05"


def test_a_time_written_with_the_phones_zone_is_read_in_that_zone():
    stored = evidence.prepare(photo(original="2026:11:20 23:30:00", offset="+08:00"))  # WITA: 22:30 in WIB
    assert timezone.localtime(stored.taken_at).strftime("%Y-%m-%d %H:%M") == "2026-11-20 22:30"


def test_the_gps_position_is_kept_in_signed_degrees():
    stored = evidence.prepare(photo(at=(-6.987654, 106.543210)))
    assert abs(stored.latitude - Decimal("-6.987654")) < Decimal("0.000002")
    assert abs(stored.longitude - Decimal("106.543210")) < Decimal("0.000002")


def test_a_photo_without_exif_keeps_no_time_and_no_place():
    stored = evidence.prepare(photo())
    assert (stored.taken_at, stored.latitude, stored.longitude) == (None, None, None)


# --- distance -------------------------------------------------------------------------------------------------


def test_the_distance_is_measured_on_the_earths_surface():
    assert evidence.distance_km(0, 0, 1, 0) == pytest.approx(111.19, abs=0.01)  # a degree of latitude
    assert evidence.distance_km(-6.9, 106.9, -6.9, 106.9) == 0
    # A degree of longitude is shorter away from the equator (Sukabumi is near it: barely).
    assert evidence.distance_km(-6.9, 106.9, -6.9, 107.9) == pytest.approx(110.39, abs=0.05)


# --- the reviewer's page --------------------------------------------------------------------------------------


@pytest.fixture
def month_visits(split):
    """Four visits of the BA this month in one village with a known point: every flag, and one with nothing."""
    today = timezone.localdate()
    visit_day = month_start(today)
    village = Village.objects.get(pk=split.villages[0])
    Village.objects.filter(pk=village.pk).update(latitude=VILLAGE[0], longitude=VILLAGE[1])
    cooperative = Cooperative.objects.get(village=village)

    def record(summary, files=(), **details):
        return registry.visit_create(actor=split.ba, mentor=split.ba_mentor, cooperative=cooperative,
                                     date=visit_day, mode=details.pop("mode", "on_site"), focus_areas=["outlets"],
                                     summary=summary, follow_ups=[], files=list(files), **details)

    day = f"{visit_day:%Y:%m:%d}"
    other_day = f"{visit_day + timedelta(days=1):%Y:%m:%d}"
    near = (-6.905, 106.905)  # about 0.8 km from the village's point
    far = (-6.990, 106.900)  # about 10 km
    good = record("Semua baik", [photo(original=f"{day} 10:00:00", at=near, name="baik.jpg")],
                  latitude=Decimal("-6.901000"), longitude=Decimal("106.901000"))
    wrong_day = record("Foto hari lain", [photo(original=f"{other_day} 10:00:00", at=near, name="lain.jpg")])
    too_far = record("Foto jauh", [photo(original=f"{day} 10:00:00", at=far, name="jauh.jpg")],
                     latitude=Decimal(str(far[0])), longitude=Decimal(str(far[1])))
    late = record("Dicatat terlambat")
    Visit.objects.filter(pk=late.pk).update(created_at=timezone.make_aware(
        datetime.combine(visit_day + timedelta(days=9), datetime.min.time().replace(hour=12))))
    return {"good": good, "wrong_day": wrong_day, "too_far": too_far, "late": late, "month": visit_day}


def _report_url(split, month):
    return reverse("cooperatives:report_detail", kwargs={"mentor_pk": split.ba_mentor.pk, "month": f"{month:%Y-%m}"})


def _evidence_of(response):
    return {visit.summary: visit.evidence for visit in response.context["visits"]}


def test_the_reviewer_sees_each_visits_photos_with_the_distance_and_the_flags(client_for, split, month_visits):
    response = client_for(split.pmo).get(_report_url(split, month_visits["month"]))
    assert response.status_code == 200
    found = _evidence_of(response)
    codes = {summary: ({f.code for f in item.flags}, {f.code for p in item.photos for f in p.flags})
             for summary, item in found.items()}
    assert codes == {"Semua baik": (set(), set()), "Foto hari lain": (set(), {"other_day"}),
                     "Foto jauh": ({"far"}, {"far"}), "Dicatat terlambat": ({"late"}, set())}
    assert found["Semua baik"].photos[0].distance_km == pytest.approx(0.78, abs=0.05)
    assert found["Foto jauh"].photos[0].distance_km == pytest.approx(10.0, abs=0.1)
    assert found["Semua baik"].phone_distance_km == pytest.approx(0.16, abs=0.02)
    assert response.context["evidence"]["with"] == 3 and response.context["evidence"]["without"] == 1
    assert response.context["evidence"]["flagged"] == 3
    page = response.text
    photo_id = month_visits["good"].files.get().pk
    assert f'src="{reverse("cooperatives:visit_file", kwargs={"pk": photo_id})}?thumb=1"' in page
    # Words (Indonesian by default) beside an icon, not colour alone.
    assert "diambil pada hari lain" in page and "dari titik desa" in page and "hari setelah kunjungan" in page
    assert page.count('<span aria-hidden="true">⚠</span>') >= 4


def test_the_office_sets_how_far_a_photo_may_be_before_it_is_flagged(client_for, split, month_visits, sukabumi):
    office_settings_update(actor=None, regency=sukabumi, evidence_distance_km=20, evidence_late_days=10)
    found = _evidence_of(client_for(split.pmo).get(_report_url(split, month_visits["month"])))
    assert not found["Foto jauh"].flags and not found["Foto jauh"].photos[0].flags
    assert not found["Dicatat terlambat"].flags  # 9 days after: within the 10 the office allows


def test_a_visit_by_phone_is_not_flagged_for_where_the_phone_was(client_for, split, month_visits):
    Visit.objects.filter(pk=month_visits["too_far"].pk).update(mode="phone")
    found = _evidence_of(client_for(split.pmo).get(_report_url(split, month_visits["month"])))
    assert not found["Foto jauh"].flags and not found["Foto jauh"].photos[0].flags


def test_the_office_settings_form_shows_and_saves_the_evidence_limits(client_for, admin_user, sukabumi):
    client = client_for(admin_user)
    url = reverse("reporting:regency_limits", kwargs={"code": sukabumi.code})
    page = client.get(url)
    assert 'name="evidence_distance_km"' in page.text and 'value="5"' in page.text
    values = {"ba_target_min": 7, "ba_target_max": 15, "ba_span_max_km": 30, "recency_amber_days": 30,
              "recency_red_days": 60, "report_due_day": 5, "evidence_late_days": 7,
              "version": page.context["version"]}
    refused = client.post(url, {**values, "evidence_distance_km": 0})
    assert refused.status_code == 200 and "1 sampai 100 km" in refused.text
    assert client.post(url, {**values, "evidence_distance_km": 12}).status_code == 302
    from offices.models import OfficeSettings

    assert OfficeSettings.objects.get(regency=sukabumi).evidence_distance_km == 12
    # A form opened before these settings existed (no field for them) keeps what is saved.
    version = client.get(url).context["version"]
    assert client.post(url, {**values, "recency_amber_days": 20, "evidence_late_days": "",
                             "version": version}).status_code == 302
    assert OfficeSettings.objects.get(regency=sukabumi).evidence_distance_km == 12
    assert OfficeSettings.objects.get(regency=sukabumi).recency_amber_days == 20


def test_a_pmo_of_another_team_gets_404_on_the_photos(client_for, split, month_visits):
    item = month_visits["good"].files.get()
    other_pmo = split.other_territory.pmo_territory.mentor
    other_pmo.user = UserFactory(email="pmo.lain@contoh.test", full_name=other_pmo.full_name)
    other_pmo.save()
    url = reverse("cooperatives:visit_file", kwargs={"pk": item.pk})
    client = client_for(other_pmo.user)
    assert client.get(url).status_code == 404
    assert client.get(url, {"thumb": 1}).status_code == 404
    assert client_for(split.pmo).get(url, {"thumb": 1}).status_code == 200


# --- the dashboards' counts -----------------------------------------------------------------------------------


def test_the_office_dashboard_counts_each_bas_visits_with_and_without_evidence(client_for, admin_user, split,
                                                                              month_visits):
    response = client_for(admin_user).get("/dashboard/", {"regency": "32.02"})
    rows = {row["mentor"]: row for row in response.context["workload"]}
    mine = rows[split.ba_mentor.full_name]
    assert (mine["evidence_with"], mine["evidence_without"]) == (3, 1)
    assert all((row["evidence_with"], row["evidence_without"]) == (0, 0) for name, row in rows.items()
               if name != split.ba_mentor.full_name)
    assert 'class="num evidence-with" data-label="Kunjungan berbukti bulan ini">3</td>' in response.text


def test_last_months_visits_are_not_counted_in_this_months_evidence(client_for, admin_user, split, month_visits):
    Visit.objects.filter(pk=month_visits["late"].pk).update(date=month_visits["month"] - timedelta(days=1))
    rows = {row["mentor"]: row for row in client_for(admin_user).get("/dashboard/").context["workload"]}
    assert (rows[split.ba_mentor.full_name]["evidence_with"], rows[split.ba_mentor.full_name]["evidence_without"]) \
        == (3, 0)


def test_the_pmos_team_shows_each_bas_evidence_this_month(client_for, split, month_visits):
    response = client_for(split.pmo).get("/dashboard/")
    row = next(row for row in response.context["team"] if row["mentor"] == split.ba_mentor)
    assert (row["evidence_with"], row["evidence_without"]) == (3, 1)
