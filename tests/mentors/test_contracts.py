"""Contracts drive access: the day after a mentor's contract ends their access ends (at their next request, and
the job deactivates them and ends their sessions); the office is warned 30 and 7 days before, once each; admins
renew contracts in bulk; the import does not change the role of a mentor who holds a territory."""

import io
from datetime import timedelta
from urllib.parse import urljoin

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from mentors import services
from mentors.models import ContractNotice, Mentor
from mentors.tasks import contracts_check

from ..factories import MentorFactory, UserFactory

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def ends(mentor, day):
    Mentor.objects.filter(pk=mentor.pk).update(contract_end=day)


def reasons(mentor):
    return list(Mentor.objects.get(pk=mentor.pk).history.order_by("history_date", "history_id")
                .values_list("history_change_reason", flat=True))


@pytest.fixture
def today():
    return timezone.localdate()


# --- access ends with the contract -----------------------------------------------------------------------------


def test_a_mentor_whose_contract_ended_yesterday_is_signed_out_at_their_next_request(split, today):
    phone = signed_in(split.ba)
    village = reverse("regions:village_detail", kwargs={"code": split.territory.village_links.first().village.code})
    assert phone.get(village).status_code == 200

    ends(split.ba_mentor, today - timedelta(days=1))  # before the job has run

    refused = phone.get(village, follow=True)
    assert refused.redirect_chain[0][1] == 302 and "/accounts/login/" in refused.redirect_chain[-1][0]
    assert "Kontrak Anda sebagai pendamping telah berakhir" in refused.text
    assert phone.get("/").status_code == 302, "the session is gone"
    assert signed_in(split.ba).get(village).status_code == 302, "signing in again does not help"


def test_a_mentor_whose_contract_ended_cannot_sign_in_and_is_told_why(split, client, today):
    split.ba.set_password("Rahasia-Kontrak-1")
    split.ba.save()
    ends(split.ba_mentor, today - timedelta(days=1))

    response = client.post(reverse("account_login"), {"login": split.ba.email, "password": "Rahasia-Kontrak-1"},
                           follow=True)

    assert "Kontrak Anda sebagai pendamping telah berakhir" in response.text
    assert "Berhasil masuk" not in response.text
    assert client.get("/").status_code == 302


def test_a_contract_that_ends_today_or_was_renewed_keeps_working(split, today):
    phone = signed_in(split.ba)
    ends(split.ba_mentor, today)
    assert phone.get("/").status_code == 200
    ends(split.ba_mentor, today - timedelta(days=1))
    ends(split.ba_mentor, today + timedelta(days=90))  # renewed before the next request
    assert phone.get("/").status_code == 200


def test_an_office_account_that_is_also_a_mentor_keeps_its_office_role(split, office_user, today):
    MentorFactory(regency=split.plan.regency, role=Mentor.Role.BA, user=office_user, email=office_user.email,
                  contract_end=today - timedelta(days=3))
    assert signed_in(office_user).get("/").status_code == 200


def test_the_job_ends_the_access_of_ended_contracts_only_and_renewal_brings_it_back(split, admin_user, today):
    phone, pmo = signed_in(split.ba), signed_in(split.pmo)
    ends(split.ba_mentor, today - timedelta(days=1))
    ends(split.pmo_mentor, today)

    result = contracts_check.enqueue().return_value

    assert result["ended"] == 1
    ba = Mentor.objects.select_related("user").get(pk=split.ba_mentor.pk)
    assert not ba.is_active and not ba.user.is_active and reasons(ba)[-1] == services.CONTRACT_ENDED
    assert Mentor.objects.get(pk=split.pmo_mentor.pk).is_active
    assert pmo.get("/").status_code == 200
    assert contracts_check.enqueue().return_value["ended"] == 0, "once"

    services.contracts_renew(actor=admin_user, mentors=[ba], contract_end=today + timedelta(days=365))

    ba.refresh_from_db()
    ba.user.refresh_from_db()
    assert ba.is_active and ba.user.is_active and ba.contract_end == today + timedelta(days=365)
    assert reasons(ba)[-2:] == ["renewed", "reactivated"]
    assert phone.get("/").status_code == 302, "the old session does not come back"
    assert signed_in(ba.user).get("/").status_code == 200


def test_renewal_does_not_reactivate_a_mentor_the_office_deactivated(split, admin_user, today):
    services.mentor_deactivate(actor=admin_user, mentor=split.ba_mentor)
    services.contracts_renew(actor=admin_user, mentors=[split.ba_mentor], contract_end=today + timedelta(days=30))
    assert not Mentor.objects.get(pk=split.ba_mentor.pk).is_active


# --- the office is warned 30 and 7 days before ------------------------------------------------------------------


def test_the_office_is_warned_30_and_7_days_before_once_each(split, admin_user, today):
    mentor = split.ba_mentor
    end = today + timedelta(days=30)
    ends(mentor, end)
    mail.outbox.clear()

    def run(day):
        return contracts_check.enqueue(today=day.isoformat()).return_value

    assert run(today - timedelta(days=1))["warned"] == 0
    assert run(today)["warned"] == 1
    assert run(today)["warned"] == 0 and run(today + timedelta(days=10))["warned"] == 0
    assert run(end - timedelta(days=7))["warned"] == 1
    assert run(end - timedelta(days=2))["warned"] == 0

    assert [(n.days, n.contract_end) for n in ContractNotice.objects.filter(mentor=mentor).order_by("-days")] == [
        (30, end), (7, end)]
    assert [message.to for message in mail.outbox] == [[admin_user.email], [admin_user.email]]
    assert mentor.full_name in mail.outbox[0].body and "30 hari lagi" in mail.outbox[0].body
    assert "7 hari lagi" in mail.outbox[1].body
    # The e-mail leads to the renewal page, by its full address (it is read outside the portal).
    assert mail.outbox[0].body.rstrip().endswith(settings.SITE_URL + "/mentors/contracts/")
    # Renewed: the new end is warned of in its turn.
    later = end + timedelta(days=200)  # the other mentors' contracts end a year from today
    ends(mentor, later)
    assert run(later - timedelta(days=30))["warned"] == 1


def test_the_office_home_names_the_contracts_ending_soon_and_marks_the_last_week(split, admin_client, today):
    ends(split.ba_mentor, today + timedelta(days=5))
    ends(split.pmo_mentor, today + timedelta(days=25))
    page = admin_client.get("/").text
    needs = page[page.index('id="needs-title"'):]
    ba = needs[needs.index(f"Kontrak {split.ba_mentor.full_name}"):]
    pmo = needs[needs.index(f"Kontrak {split.pmo_mentor.full_name}"):]
    assert "5 hari lagi" in ba[:ba.index("</li>")] and "badge-late" in ba[:ba.index("</li>")]
    assert "hari lagi" not in pmo[:pmo.index("</li>")]


# --- bulk renewal -----------------------------------------------------------------------------------------------


def test_an_admin_renews_several_contracts_at_once_with_history(split, admin_client, today):
    ending = [split.ba_mentor, split.pmo_mentor]
    for mentor in ending:
        ends(mentor, today + timedelta(days=20))
    page = admin_client.get(reverse("mentors:contract_renew"))
    assert all(f'value="{m.pk}"' in page.text for m in ending)

    new_end = today + timedelta(days=365)

    response = admin_client.post(reverse("mentors:contract_renew"), {
        "mentors": [m.pk for m in ending], "contract_end": new_end.isoformat()}, follow=True)

    assert "2 kontrak diperpanjang" in response.text
    for mentor in ending:
        assert Mentor.objects.get(pk=mentor.pk).contract_end == new_end
        assert reasons(mentor)[-1] == "renewed"


@pytest.mark.parametrize(("what", "message"), [
    ("past", "sudah lewat"), ("foreign", "tidak dapat diperpanjang di sini"), ("none", "Pilih setidaknya satu"),
])
def test_a_bad_renewal_changes_nothing_and_says_why(split, admin_client, other_regency, today, what, message):
    ends(split.ba_mentor, today + timedelta(days=20))
    foreign = MentorFactory(regency=other_regency, contract_end=today + timedelta(days=20))
    chosen = {"past": [split.ba_mentor.pk], "foreign": [split.ba_mentor.pk, foreign.pk], "none": []}[what]
    day = today - timedelta(days=1) if what == "past" else today + timedelta(days=365)

    response = admin_client.post(reverse("mentors:contract_renew"), {"mentors": chosen,
                                                                      "contract_end": day.isoformat()})

    assert response.status_code == 200 and message in response.text
    assert Mentor.objects.get(pk=split.ba_mentor.pk).contract_end == today + timedelta(days=20)
    assert Mentor.objects.get(pk=foreign.pk).contract_end == today + timedelta(days=20)


# --- the import and the plan in force ---------------------------------------------------------------------------


def workbook(rows):
    book = Workbook()
    sheet = book.active
    sheet.append(["Nama", "Peran", "Email"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("roster.xlsx", buffer.getvalue())


def test_the_import_refuses_a_role_change_while_the_mentor_holds_a_territory(split, admin_client):
    holder = split.ba_mentor
    holder.email = "pemegang@contoh.test"
    holder.save()
    free = MentorFactory(regency=split.plan.regency, role=Mentor.Role.BA, email="bebas@contoh.test")

    preview = admin_client.post(reverse("mentors:mentor_import"), {
        "regency": split.plan.regency.pk,
        "file": workbook([[holder.full_name, "PMO", holder.email], [free.full_name, "PMO", free.email]])})

    check = preview.context["preview"]
    assert [(row.key, row.errors) for row in check.errors] == [
        (holder.full_name, [f"{holder.full_name} memegang wilayah kerja dalam rencana yang berlaku: ubah "
                            "rencananya dulu sebelum mengubah perannya."])]
    assert 'name="token"' not in preview.text
    assert Mentor.objects.get(pk=holder.pk).role == Mentor.Role.BA


def test_the_import_still_changes_the_role_of_a_mentor_without_a_territory(split, admin_client):
    free = MentorFactory(regency=split.plan.regency, role=Mentor.Role.BA, email="bebas@contoh.test")
    preview = admin_client.post(reverse("mentors:mentor_import"), {
        "regency": split.plan.regency.pk, "file": workbook([[free.full_name, "PMO", free.email]])})
    admin_client.post(reverse("mentors:mentor_import_apply"), {"token": preview.context["token"]})
    assert Mentor.objects.get(pk=free.pk).role == Mentor.Role.PMO


def test_a_user_without_a_mentor_record_is_not_affected(db):
    user = UserFactory(email="orang@contoh.test")
    assert signed_in(user).get("/").status_code == 200


def test_contracts_are_renewed_through_the_roster_export_and_the_import_preview(split, admin_client, today):
    ends(split.ba_mentor, today - timedelta(days=1))
    contracts_check.enqueue()  # the BA's access ended
    page = admin_client.get(reverse("mentors:contract_renew"))
    links = {urljoin(page.request["PATH_INFO"], href) for href in ("../export.xlsx", "../import/")
             if f'href="{href}"' in page.text}
    assert links == {reverse("mentors:mentor_export"), reverse("mentors:mentor_import")}
    book = load_workbook(io.BytesIO(admin_client.get(reverse("mentors:mentor_export")).content))
    sheet = book.active
    end_column = [cell.value for cell in sheet[1]].index("Akhir kontrak") + 1
    new_end = today + timedelta(days=365 + 30)
    renewed = []
    for row in range(2, sheet.max_row + 1):
        if sheet.cell(row, 1).value in (split.ba_mentor.full_name, split.pmo_mentor.full_name):
            sheet.cell(row, end_column).value = new_end
            renewed.append(sheet.cell(row, 1).value)
    buffer = io.BytesIO()
    book.save(buffer)

    preview = admin_client.post(reverse("mentors:mentor_import"), {
        "regency": split.plan.regency.pk, "file": SimpleUploadedFile("roster.xlsx", buffer.getvalue())})

    check = preview.context["preview"]
    assert check.summary == {"create": 0, "update": 2, "unchanged": 39, "error": 0}
    assert Mentor.objects.get(pk=split.ba_mentor.pk).contract_end == today - timedelta(days=1), "a dry run"
    admin_client.post(reverse("mentors:mentor_import_apply"), {"token": preview.context["token"]})
    for mentor in (split.ba_mentor, split.pmo_mentor):
        current = Mentor.objects.select_related("user").get(pk=mentor.pk)
        assert current.contract_end == new_end and current.is_active and current.user.is_active
    assert reasons(split.ba_mentor)[-3:] == [services.CONTRACT_ENDED, "imported", "reactivated"]
    assert signed_in(split.ba).get("/").status_code == 302, "the old session stays ended"


def test_the_renewal_list_keeps_its_query_count_with_50_contracts_ending(split, admin_client, count_queries, today):
    admin_client.get("/")  # the session and the language are settled before counting
    ends(split.ba_mentor, today + timedelta(days=10))
    url = reverse("mentors:contract_renew")
    with count_queries() as few:
        count_queries.get(admin_client, url)
    for _ in range(49):
        MentorFactory(regency=split.plan.regency, contract_end=today + timedelta(days=20))
    with count_queries() as many:
        page = count_queries.get(admin_client, url)
    assert page.text.count('name="mentors"') == 50
    count_queries.assert_same(few, many, most=15)
