import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from mentors.models import Mentor
from mentors.services import mentor_update
from toolkit.phones import phone_normalize
from toolkit.versions import StaleEdit, content_version

from ..factories import MentorFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("raw, stored", [
    ("0812-3456-7890", "+6281234567890"),
    ("+62 812 3456 7890", "+6281234567890"),
    ("6281234567890", "+6281234567890"),
    ("(0266) 221234", "+62266221234"),
    ("", ""),
])
def test_phone_numbers_are_stored_in_one_format(raw, stored):
    assert phone_normalize(raw) == stored


def test_a_bad_phone_number_is_refused_with_a_clear_message(admin_client, sukabumi):
    response = admin_client.post(reverse("mentors:mentor_create"), {
        "regency": sukabumi.pk, "full_name": "Nina Marlina", "role": "ba", "phone": "12345", "email": "",
    })
    assert response.status_code == 200
    assert "bukan nomor telepon Indonesia yang sah" in response.text
    assert not Mentor.objects.exists()


def test_an_admin_adds_a_mentor_and_the_change_is_audited(admin_client, admin_user, sukabumi):
    response = admin_client.post(reverse("mentors:mentor_create"), {
        "regency": sukabumi.pk, "full_name": "Nina Marlina", "role": "ba", "phone": "0857 1234 5678",
        "email": "Nina@Example.test", "contract_start": "2026-01-01", "contract_end": "2026-12-31",
    })
    mentor = Mentor.objects.get()
    assert response["Location"] == mentor.get_absolute_url()
    assert (mentor.phone, mentor.email, mentor.regency) == ("+6285712345678", "nina@example.test", sukabumi)
    record = mentor.history.get()
    assert record.history_user == admin_user and record.history_type == "+"


def test_editing_records_who_changed_what(admin_client, admin_user, sukabumi):
    mentor = MentorFactory(regency=sukabumi, full_name="Nina Marlina")
    form = admin_client.get(reverse("mentors:mentor_update", kwargs={"pk": mentor.pk}))
    data = {**form.context["form"].initial, "version": form.context["form"]["version"].value(),
            "full_name": "Nina Marlina S.E.", "notes": "Pindah ke Cibadak"}
    data = {key: ("" if value is None else value) for key, value in data.items() if key != "regency"}
    admin_client.post(reverse("mentors:mentor_update", kwargs={"pk": mentor.pk}), data)

    page = admin_client.get(mentor.get_absolute_url())
    assert "Nina Marlina S.E." in page.text
    latest = page.context["changes"][0]
    assert latest["record"].history_user == admin_user
    assert {str(name) for name in latest["fields"]} == {"nama lengkap", "catatan"}


def test_an_edit_based_on_a_stale_version_is_refused_and_nothing_is_lost(admin_client, sukabumi):
    mentor = MentorFactory(regency=sukabumi, full_name="Versi Awal")
    seen = content_version(mentor)
    mentor_update(actor=None, mentor=mentor, full_name="Diubah Orang Lain")

    with pytest.raises(StaleEdit):
        mentor_update(actor=None, mentor=mentor, version=seen, full_name="Perubahan Saya")

    data = {"full_name": "Perubahan Saya", "role": "ba", "phone": "", "email": mentor.email, "version": seen,
            "contract_start": "", "contract_end": "", "notes": ""}
    response = admin_client.post(reverse("mentors:mentor_update", kwargs={"pk": mentor.pk}), data, follow=True)
    assert "telah mengubah data pendamping ini" in response.text
    mentor.refresh_from_db()
    assert mentor.full_name == "Diubah Orang Lain"


def test_the_same_e_mail_cannot_be_used_twice_in_a_regency(admin_client, sukabumi):
    MentorFactory(regency=sukabumi, email="dobel@example.test")
    response = admin_client.post(reverse("mentors:mentor_create"), {
        "regency": sukabumi.pk, "full_name": "Orang Kedua", "role": "ba", "email": "DOBEL@example.test",
    })
    assert response.status_code == 200 and Mentor.objects.count() == 1


def test_a_contract_cannot_end_before_it_starts(admin_client, sukabumi):
    response = admin_client.post(reverse("mentors:mentor_create"), {
        "regency": sukabumi.pk, "full_name": "Orang", "role": "ba", "contract_start": "2026-05-01",
        "contract_end": "2026-04-01",
    })
    assert "Kontrak tidak dapat berakhir sebelum dimulai" in response.text
    assert not Mentor.objects.exists()


def test_the_roster_filters_by_role_status_and_text(office_client, sukabumi):
    MentorFactory(regency=sukabumi, role="pmo", full_name="Pak PMO", phone="+6281311112222")
    MentorFactory(regency=sukabumi, role="ba", full_name="Bu Aktif")
    MentorFactory(regency=sukabumi, role="ba", full_name="Bu Nonaktif", is_active=False)
    url = reverse("mentors:mentor_list")

    def names(**params):
        return [m.full_name for m in office_client.get(url, params).context["page_obj"]]

    assert names(role="pmo") == ["Pak PMO"]
    assert names(role="ba", is_active="false") == ["Bu Nonaktif"]
    assert names(q="0813-1111") == ["Pak PMO"]
    assert names(q="aktif") == ["Bu Aktif", "Bu Nonaktif"]


def test_an_admin_only_sees_the_roster_of_their_own_regency(client_for, other_admin, other_regency, sukabumi):
    MentorFactory(regency=sukabumi, full_name="Orang Sukabumi")
    MentorFactory(regency=other_regency, full_name="Orang Cianjur")
    response = client_for(other_admin).get(reverse("mentors:mentor_list"))
    # The page opens for them, with their own regency's mentors, and no other regency's.
    assert response.status_code == 200
    assert "Orang Cianjur" in response.text and "Orang Sukabumi" not in response.text


def test_the_roster_exports_to_excel(office_client, sukabumi):
    MentorFactory(regency=sukabumi, full_name="Nina Marlina", phone="+6285712345678")
    MentorFactory(regency=sukabumi, full_name="=HYPERLINK(\"http://x\")")
    response = office_client.get(reverse("mentors:mentor_export"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Nama", "Peran", "Kabupaten/Kota", "Telepon")
    assert ("Nina Marlina", "Business Assistant", "Kabupaten Sukabumi", "0857-1234-5678") in [r[:4] for r in rows]
    formula_cell = next(c for c in sheet["A"] if str(c.value).startswith("=HYPERLINK"))
    assert formula_cell.data_type == "s"


def test_a_mentor_with_history_is_deactivated_not_deleted_and_can_no_longer_sign_in(
    admin_client, ba_user, client_for
):
    mentor = ba_user.mentor
    admin_client.post(reverse("mentors:mentor_deactivate", kwargs={"pk": mentor.pk}))
    mentor.refresh_from_db()
    ba_user.refresh_from_db()
    assert Mentor.objects.filter(pk=mentor.pk).exists() and not mentor.is_active and not ba_user.is_active


def test_deactivation_signs_the_mentor_out_of_an_open_session(ba_user, admin_user, sukabumi):
    from django.test import Client

    ba_session, admin_session = Client(), Client()
    ba_session.force_login(ba_user)
    admin_session.force_login(admin_user)
    assert ba_session.get("/").status_code == 200

    admin_session.post(reverse("mentors:mentor_deactivate", kwargs={"pk": ba_user.mentor.pk}))

    assert ba_session.get("/").status_code == 302
    refused = ba_session.post(reverse("account_login"), {"login": ba_user.email, "password": "correct-horse-battery"})
    assert ba_session.get("/").status_code == 302, refused


def test_a_ba_who_forges_another_regencys_mentor_id_learns_nothing_and_nothing_changes(client_for, ba_user,
                                                                                      other_regency):
    stranger = MentorFactory(regency=other_regency, full_name="Orang Cianjur")
    client = client_for(ba_user)
    assert client.get(reverse("mentors:mentor_detail", kwargs={"pk": stranger.pk})).status_code == 404
    # A BA may never change mentors: 403 whatever the id, so the answer says nothing about the mentor.
    assert client.post(reverse("mentors:mentor_deactivate", kwargs={"pk": stranger.pk})).status_code == 403
    assert client.post(reverse("mentors:mentor_deactivate", kwargs={"pk": 999_999})).status_code == 403
    stranger.refresh_from_db()
    assert stranger.is_active and stranger.history.count() == 1


def test_staff_who_post_an_admin_only_form_get_403_and_nothing_changes(office_client, sukabumi):
    mentor = MentorFactory(regency=sukabumi, full_name="Tetap Sama")
    create = office_client.post(reverse("mentors:mentor_create"), {
        "regency": sukabumi.pk, "full_name": "Baru", "role": "ba"})
    edit = office_client.post(reverse("mentors:mentor_update", kwargs={"pk": mentor.pk}), {
        "full_name": "Diubah", "role": "ba"})
    assert (create.status_code, edit.status_code) == (403, 403)
    mentor.refresh_from_db()
    assert mentor.full_name == "Tetap Sama" and Mentor.objects.count() == 1


def test_the_roster_uses_the_same_number_of_queries_for_1_and_50_mentors(admin_client, sukabumi, count_queries):
    MentorFactory(regency=sukabumi)
    admin_client.get("/")
    with count_queries() as one:
        first = count_queries.get(admin_client, reverse("mentors:mentor_list"))
    MentorFactory.create_batch(49, regency=sukabumi, user=None)
    for mentor in Mentor.objects.all()[:10]:
        mentor.user = UserFactory()
        mentor.save()
    with count_queries() as fifty:
        second = count_queries.get(admin_client, reverse("mentors:mentor_list"))
    assert (len(first.context["page_obj"]), len(second.context["page_obj"])) == (1, 50)
    count_queries.assert_same(one, fifty, most=12)


def test_the_office_home_counts_mentors_and_lists_contracts_ending_soon(office_client, sukabumi):
    from datetime import timedelta

    from django.utils import timezone

    today = timezone.localdate()
    MentorFactory.create_batch(2, regency=sukabumi, role="pmo")
    MentorFactory.create_batch(3, regency=sukabumi, role="ba")
    MentorFactory(regency=sukabumi, role="ba", is_active=False)
    MentorFactory(regency=sukabumi, role="ba", full_name="Segera Berakhir", contract_end=today + timedelta(days=10))
    response = office_client.get("/")
    overview, figures = response.context["overview"], response.context["figures"]
    assert (figures.pmo_active, figures.ba_active, figures.pmo_inactive, figures.ba_inactive) == (2, 4, 0, 1)
    assert [m.full_name for m in overview["contracts_ending"]] == ["Segera Berakhir"]
    assert "Segera Berakhir" in response.text


def test_a_mentor_sees_their_own_page_on_home(client_for, ba_user):
    response = client_for(ba_user).get("/")
    assert "home_mentor.html" in [t.name for t in response.templates]
    assert "Wilayah desa saya" in response.text or "Desa saya" in response.text
