"""Pages answer in a number of queries that does not grow with the data: the same with a little data and
with much more, never above a bound, and always with the page itself (status 200)."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from cooperatives import services as registry
from cooperatives.models import Cooperative
from cooperatives.selectors import month_start
from mentors.models import Mentor

from .factories import MentorFactory

pytestmark = pytest.mark.django_db


def _photo():
    """A small phone photo with its time and place: the report page shows it with its distance and flags."""
    exif = Image.Exif()
    exif[0x0132] = timezone.localtime().strftime("%Y:%m:%d %H:%M:%S")
    exif[0x8825] = {1: "S", 2: (6.0, 54.0, 0.0), 3: "E", 4: (106.0, 54.0, 0.0)}
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 140, 60)).save(buffer, "JPEG", exif=exif)
    return SimpleUploadedFile("foto.jpg", buffer.getvalue(), content_type="image/jpeg")


def _more_of_everything(split, sukabumi, admin_user, rounds: int):
    """Visits with follow-ups in every village of the BA, submitted reports, extra mentors and a draft plan."""
    today = timezone.localdate()
    cooperatives = list(Cooperative.objects.filter(village_id__in=split.villages))
    for index in range(rounds):
        cooperative = cooperatives[index % len(cooperatives)]
        registry.visit_create(actor=None, mentor=split.ba_mentor, cooperative=cooperative,
                              date=today - timedelta(days=index % 20), mode="phone", focus_areas=["training"],
                              summary=f"Kunjungan {index}", follow_ups=[("Tindak lanjut", today + timedelta(days=3))],
                              files=[_photo()], latitude=Decimal("-6.9"), longitude=Decimal("106.9"))
        MentorFactory(regency=sukabumi, role=Mentor.Role.BA, full_name=f"Tambahan {index}")
    month = month_start(today - timedelta(days=62))  # a month the new visits never fall in
    if not split.ba_mentor.monthly_reports.filter(month=month).exists():
        registry.report_save(actor=None, mentor=split.ba_mentor, month=month, obstacles="-", next_month_plan="-",
                             submit=True)


PAGES = {
    # persona → pages that persona uses
    "office": ["home", "mentors:mentor_list", "territories:plan_list", "cooperatives:report_list",
               "mentor_detail", "plan_detail"],
    "pmo": ["home", "cooperatives:report_list", "cooperatives:follow_up_list", "mentors:mentor_list",
            "cooperatives:cooperative_list", "report_detail"],
    "ba": ["home", "cooperatives:follow_up_list", "cooperatives:cooperative_list", "report_detail"],
    # Readers see what the office sees, of a province or of the country. (The recap keeps a closed month once read:
    # tests/test_recap.py.)
    "province_reader": ["home", "reporting:dashboard", "mentors:mentor_list",
                        "territories:plan_list", "cooperatives:report_list", "cooperatives:cooperative_list",
                        "cooperatives:follow_up_list", "mentor_detail", "plan_detail"],
    "national_reader": ["home", "reporting:dashboard", "mentors:mentor_list",
                        "territories:plan_list", "cooperatives:report_list", "cooperatives:cooperative_list",
                        "mentor_detail", "plan_detail"],
}
MOST = {"office": 15, "pmo": 15, "ba": 15, "province_reader": 15, "national_reader": 15}  # the budget of a page
# The report page also shows the month-end snapshot of every cooperative (stages, members, units, visits), each
# visit's photos with their flags, and looks up the reviewer of the report's month: a few more queries, as constant
# as the rest; its reviewer's page also finds the next report waiting for them.
# The PMO's view of a BA's report: stages at month end are two reads (the last change before it, ranked; the
# present stage of the cooperatives without one), constant whatever the data.
PAGE_MOST = {("ba", "report_detail"): 22, ("pmo", "report_detail"): 26}


def _url(name, split):
    if name == "mentor_detail":
        return reverse("mentors:mentor_detail", kwargs={"pk": split.ba_mentor.pk})
    if name == "plan_detail":
        return reverse("territories:plan_detail", kwargs={"pk": split.plan.pk})
    if name == "report_detail":
        month = month_start(timezone.localdate())
        return reverse("cooperatives:report_detail", kwargs={"mentor_pk": split.ba_mentor.pk,
                                                             "month": f"{month:%Y-%m}"})
    return reverse(name)


@pytest.mark.parametrize("persona", sorted(PAGES))
def test_every_home_list_and_detail_page_keeps_its_query_count_as_the_data_grows(
    persona, split, sukabumi, office_user, admin_user, province_reader, national_reader, client_for, count_queries,
    settings
):
    settings.FIGURES_MAX_AGE = 3600  # the home pages read the figures; their refresh is a separate, timed job
    client = client_for({"office": office_user, "pmo": split.pmo, "ba": split.ba, "province_reader": province_reader,
                         "national_reader": national_reader}[persona])
    client.get("/")  # the session and the language are settled before counting
    _more_of_everything(split, sukabumi, admin_user, rounds=1)
    for name in PAGES[persona]:
        with count_queries() as few:
            count_queries.get(client, _url(name, split))
        _more_of_everything(split, sukabumi, admin_user, rounds=12)
        with count_queries() as many:
            count_queries.get(client, _url(name, split))
        count_queries.assert_same(few, many, most=PAGE_MOST.get((persona, name), MOST[persona]))


def test_a_pmos_dashboard_and_team_sheet_computed_keep_their_query_count_as_the_data_grows(
    split, sukabumi, admin_user, client_for, count_queries, settings
):
    """The PMO's figures are computed over their districts whenever the page is not kept: a constant number of
    statements however many visits, follow-ups and BAs there are; the team sheet computes only the team's rows."""
    settings.FIGURES_MAX_AGE = 3600
    client = client_for(split.pmo)
    client.get("/")
    _more_of_everything(split, sukabumi, admin_user, rounds=1)
    for url, most in (("/dashboard/", 23), ("/dashboard/team.xlsx", 10)):
        with count_queries() as few:
            count_queries.get(client, url)
        _more_of_everything(split, sukabumi, admin_user, rounds=12)
        with count_queries() as many:
            count_queries.get(client, url)
        count_queries.assert_same(few, many, most=most)
