"""The portal as each role finds it on an ordinary working day, for the outside-in checks (tests/test_html_valid.py
and tests/browser/test_accessibility.py): a published split with, around the BA of `split`, visits with a photo and
follow-ups (one overdue), last month's report submitted to their PMO, a cooperative whose record has every part
filled in, and a draft plan waiting to be published. `pages(scene)` names the main pages of each role."""

import io
from datetime import date, timedelta
from types import SimpleNamespace

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from cooperatives import handovers
from cooperatives import services as registry
from cooperatives.models import BoardMember, BusinessUnit, Cooperative, FinancingProposal, LandPlot, MemberCount
from cooperatives.selectors import month_start
from territories import services as plans

ROLES = ["anonymous", "ba", "pmo", "staff", "admin"]


def _photo() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (120, 160, 200)).save(buffer, "JPEG")
    return SimpleUploadedFile("gerai.jpg", buffer.getvalue(), content_type="image/jpeg")


def build_scene(split, sukabumi, admin_user) -> SimpleNamespace:
    today = timezone.localdate()
    last_month = month_start(month_start(today) - timedelta(days=1))
    coops = list(Cooperative.objects.filter(village_id__in=split.villages).select_related("village__district")
                 .order_by("village__code"))
    coop = coops[0]
    # The record with every part filled in (at the stage "legal entity", where financing may start).
    from cooperatives.services import lenders_ensure
    from tests.factories import cooperative_to_stage

    coop = cooperative_to_stage(coop, "legal_entity", number=77)
    for part, values in [
        (BusinessUnit(), {"kind": "sembako", "name": "", "status": "building", "construction_started_on": last_month,
                          "opened_on": None, "notes": "Gerai di samping balai desa"}),
        (FinancingProposal(), {"lender": lenders_ensure()["BRI"], "operational_spending": 250_000_000,
                               "capital_spending": 500_000_000, "tenor_months": 60, "status": "proposed",
                               "submitted_on": last_month, "deliberation_date": last_month - timedelta(days=20),
                               "deliberation_minutes": "BA/07/MUSDES/2026", "approval_number": "500/7/DS",
                               "approval_date": last_month - timedelta(days=10), "repayment_support": True,
                               "decided_on": None, "approved_amount": None, "disbursed_on": None,
                               "disbursed_amount": None, "notes": ""}),
        (LandPlot(), {"latitude": coop.village.latitude, "longitude": coop.village.longitude, "area_m2": 800,
                      "ownership": "village", "status": "proposed", "recorded_on": last_month,
                      "notes": "Tanah kas desa"}),
        (BoardMember(), {"role": "chair", "name": "Ujang Permana", "phone": "081234567890",
                         "term_start": date(2025, 7, 1), "term_end": None}),
        (MemberCount(), {"counted_on": last_month, "count": 120}),
    ]:
        registry.part_save(actor=admin_user, cooperative=coop, part=part, values=values)
    # Visits: last month (in the submitted report, its follow-up overdue) and this month with a photo.
    ba = split.ba_mentor
    earlier = registry.visit_create(
        actor=split.ba, mentor=ba, cooperative=coop, date=last_month + timedelta(days=3), mode="on_site",
        focus_areas=["institutions", "capital"], summary="Mendampingi pengurus menyusun rencana bisnis.",
        follow_ups=[("Lengkapi berkas NIB", last_month + timedelta(days=10))], member_count=118,
        time=None, place="Kantor Desa", participants="Ketua, Bendahara", latitude=None, longitude=None)
    registry.visit_create(
        actor=split.ba, mentor=ba, cooperative=coops[1], date=last_month + timedelta(days=5), mode="phone",
        focus_areas=["markets"], summary="Membahas pemasok sembako.", follow_ups=[])
    visit = registry.visit_create(
        actor=split.ba, mentor=ba, cooperative=coop, date=today, mode="on_site", focus_areas=["management"],
        summary="Memeriksa pembukuan simpan pinjam.", follow_ups=[("Rapat anggota", today + timedelta(days=5))],
        files=[_photo()], place="Gerai", participants="12 anggota")
    registry.report_save(actor=split.ba, mentor=ba, month=last_month, obstacles="Lahan gerai belum pasti.",
                         next_month_plan="Rapat dengan kepala desa.", submit=True)
    draft = plans.plan_create(actor=admin_user, regency=sukabumi, name="Draf perubahan")
    handover = handovers.handover_start(actor=admin_user, leaver=split.other_territory.mentor,
                                        last_day=today - timedelta(days=1))
    return SimpleNamespace(split=split, coop=coop, visit=visit, earlier=earlier, last_month=last_month,
                           draft=draft, handover=handover, plan=split.plan, village=coop.village,
                           district=coop.village.district, ba=split.ba, pmo=split.pmo, admin=admin_user)


PARTS = ["units", "financing", "land", "board", "members"]


def pages(scene) -> dict[str, list[str]]:
    """The main pages of each role (paths that answer 200)."""
    month = f"{scene.last_month:%Y-%m}"
    ba, pmo = scene.split.ba_mentor.pk, scene.split.pmo_mentor.pk
    coop = scene.coop.pk
    record = [f"/cooperatives/{coop}/", *(f"/cooperatives/{coop}/{part}/" for part in PARTS)]
    office = [
        "/", "/dashboard/", "/map/", "/cooperatives/", "/cooperatives/?stage=legal_entity&q=a", *record,
        f"/regions/{scene.village.code}/", f"/regions/{scene.district.code}/", "/regions/32.02/", "/regions/",
        "/mentors/", f"/mentors/{ba}/", f"/mentors/{pmo}/", "/plans/", f"/plans/{scene.plan.pk}/",
        f"/plans/{scene.plan.pk}/annex/", f"/plans/{scene.draft.pk}/", f"/plans/{scene.draft.pk}/diff/",
        "/reports/", f"/reports/{ba}/{month}/", f"/reports/{ba}/{month}/print/", "/reports/recap/", "/profile/",
        "/follow-ups/", "/reports/recap/?province=32",
    ]
    return {
        "anonymous": ["/accounts/login/", "/accounts/password/reset/"],
        "ba": [
            "/", "/dashboard/", "/map/", "/cooperatives/", *record, f"/cooperatives/{coop}/edit/",
            f"/cooperatives/{coop}/visits/new/", "/visits/new/", f"/visits/{scene.visit.pk}/edit/", "/follow-ups/",
            f"/regions/{scene.village.code}/", f"/mentors/{ba}/", "/reports/", f"/reports/{ba}/{month}/",
            f"/reports/{ba}/{month}/print/", "/profile/",
        ],
        "pmo": [
            "/", "/dashboard/", "/map/", "/cooperatives/", f"/cooperatives/{coop}/", "/follow-ups/", "/mentors/",
            f"/mentors/{ba}/", "/reports/", f"/reports/{ba}/{month}/", f"/reports/{pmo}/{month}/", "/profile/",
        ],
        "staff": office,
        "admin": [
            *office, f"/cooperatives/{coop}/edit/", f"/visits/{scene.visit.pk}/edit/", "/mentors/new/",
            f"/mentors/{ba}/edit/", "/mentors/import/", "/cooperatives/import/", "/plans/new/",
            f"/plans/{scene.draft.pk}/propose/", f"/plans/{scene.draft.pk}/publish/",
            f"/plans/{scene.draft.pk}/import/", "/dashboard/limits/32.02/", "/offices/32.02/documents/",
            "/mentors/office/32.02/", "/mentors/office/32.02/new/", "/handovers/",
            f"/handovers/{scene.handover.pk}/",
        ],
    }


def users(scene, office_user) -> dict:
    return {"anonymous": None, "ba": scene.ba, "pmo": scene.pmo, "staff": office_user, "admin": scene.admin}
