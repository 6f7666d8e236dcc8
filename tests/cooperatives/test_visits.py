from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cooperatives.models import Cooperative, FollowUp, Visit

pytestmark = pytest.mark.django_db


def visit_data(**changes):
    data = {"date": timezone.localdate().isoformat(), "mode": "on_site", "focus_areas": ["institutions", "capital"],
            "summary": "Membahas rencana bisnis gerai sembako.",
            "follow-TOTAL_FORMS": "2", "follow-INITIAL_FORMS": "0", "follow-MIN_NUM_FORMS": "0",
            "follow-MAX_NUM_FORMS": "5",
            "follow-0-action": "Kirim draf rencana bisnis",
            "follow-0-due_date": (timezone.localdate() + timedelta(days=7)).isoformat(),
            "follow-1-action": "", "follow-1-due_date": ""}
    data.update(changes)
    return data


def test_a_ba_records_a_visit_with_two_focus_areas_and_a_follow_up(client_for, split):
    cooperative = Cooperative.objects.get(village_id=split.villages[0])
    client = client_for(split.ba)
    response = client.post(reverse("cooperatives:visit_create", kwargs={"pk": cooperative.pk}), visit_data(),
                           follow=True)
    visit = Visit.objects.get()
    assert (visit.mentor, visit.cooperative, visit.focus_areas) == (split.ba_mentor, cooperative,
                                                                     ["institutions", "capital"])
    assert visit.follow_ups.get().action == "Kirim draf rencana bisnis"
    assert "Kunjungan tersimpan" in response.text and "Membahas rencana bisnis" in response.text
    assert visit.history.get().history_user == split.ba


def test_a_ba_cannot_record_a_visit_outside_their_territory_and_nothing_is_written(client_for, split):
    stranger = Cooperative.objects.exclude(village_id__in=split.villages).first()
    response = client_for(split.ba).post(reverse("cooperatives:visit_create", kwargs={"pk": stranger.pk}),
                                         visit_data())
    assert response.status_code == 404 and not Visit.objects.exists() and not FollowUp.objects.exists()


def test_a_visit_dated_tomorrow_is_refused_with_a_clear_message(client_for, split):
    cooperative = Cooperative.objects.get(village_id=split.villages[0])
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = client_for(split.ba).post(reverse("cooperatives:visit_create", kwargs={"pk": cooperative.pk}),
                                         visit_data(date=tomorrow))
    assert response.status_code == 200 and "tidak boleh bertanggal di masa depan" in response.text
    assert not Visit.objects.exists()


def test_a_visit_needs_a_focus_area(client_for, split):
    cooperative = Cooperative.objects.get(village_id=split.villages[0])
    response = client_for(split.ba).post(reverse("cooperatives:visit_create", kwargs={"pk": cooperative.pk}),
                                         visit_data(focus_areas=[]))
    # The form comes back with the field's message (not a refusal of the page), and nothing is written.
    assert response.status_code == 200 and response.context["form"].errors["focus_areas"]
    assert "Bidang ini tidak boleh kosong" in response.text
    assert not Visit.objects.exists()


def test_the_author_corrects_a_visit_for_7_days_then_only_an_admin(client_for, split, admin_user):
    cooperative = Cooperative.objects.get(village_id=split.villages[0])
    client = client_for(split.ba)
    client.post(reverse("cooperatives:visit_create", kwargs={"pk": cooperative.pk}), visit_data())
    visit = Visit.objects.get()
    url = reverse("cooperatives:visit_update", kwargs={"pk": visit.pk})
    version = client.get(url).context["form"].initial["version"]  # the form's copy of the visit's last change
    client.post(url, visit_data(summary="Diperbaiki", version=version,
                                **{"follow-0-action": "", "follow-0-due_date": ""}))
    visit.refresh_from_db()
    assert visit.summary == "Diperbaiki"

    Visit.objects.filter(pk=visit.pk).update(created_at=timezone.now() - timedelta(days=8))
    assert client.post(url, visit_data(summary="Terlambat")).status_code == 403
    admin = client_for(admin_user)
    version = admin.get(url).context["form"].initial["version"]
    admin.post(url, visit_data(summary="Dikoreksi admin", version=version,
                               **{"follow-0-action": "", "follow-0-due_date": ""}))
    visit.refresh_from_db()
    assert visit.summary == "Dikoreksi admin" and visit.history.count() == 3


def test_another_ba_cannot_correct_or_even_see_the_visit(client_for, split):
    cooperative = Cooperative.objects.get(village_id=split.villages[0])
    client_for(split.ba).post(reverse("cooperatives:visit_create", kwargs={"pk": cooperative.pk}), visit_data())
    visit = Visit.objects.get()
    other = client_for(split.other_ba)
    assert other.get(reverse("cooperatives:visit_update", kwargs={"pk": visit.pk})).status_code == 404
    assert other.get(cooperative.get_absolute_url()).status_code == 404


def test_open_follow_ups_come_overdue_first_and_done_records_who_and_when(client_for, split):
    cooperative = Cooperative.objects.get(village_id=split.villages[0])
    client = client_for(split.ba)
    today = timezone.localdate()
    for due, action in ((today + timedelta(days=9), "Nanti"), (today - timedelta(days=3), "Terlambat"),
                        (today + timedelta(days=1), "Besok")):
        client.post(reverse("cooperatives:visit_create", kwargs={"pk": cooperative.pk}),
                    visit_data(**{"follow-0-action": action, "follow-0-due_date": due.isoformat()}))
    page = client.get(reverse("cooperatives:follow_up_list"))
    assert [f.action for f in page.context["follow_ups"]] == ["Terlambat", "Besok", "Nanti"]
    late = FollowUp.objects.get(action="Terlambat")
    client.post(reverse("cooperatives:follow_up_done", kwargs={"pk": late.pk}))
    late.refresh_from_db()
    assert late.done and late.done_by == split.ba and late.done_at is not None
    assert [f.action for f in client.get(reverse("cooperatives:follow_up_list")).context["follow_ups"]] == [
        "Besok", "Nanti"]


def test_a_pmo_sees_the_visits_of_their_bas_but_cannot_edit_the_cooperative(client_for, split):
    cooperative = Cooperative.objects.get(village_id=split.villages[0])
    client_for(split.ba).post(reverse("cooperatives:visit_create", kwargs={"pk": cooperative.pk}), visit_data())
    pmo = client_for(split.pmo)
    page = pmo.get(cooperative.get_absolute_url())
    assert page.status_code == 200 and "Membahas rencana bisnis" in page.text
    assert pmo.get(reverse("cooperatives:cooperative_update", kwargs={"pk": cooperative.pk})).status_code == 403


def test_a_visit_cannot_be_added_to_a_month_whose_report_is_submitted(client_for, split):
    from cooperatives.models import MonthlyReport

    today = timezone.localdate()
    MonthlyReport.objects.create(mentor=split.ba_mentor, month=today.replace(day=1), status="submitted")
    cooperative = Cooperative.objects.get(village_id=split.villages[0])
    response = client_for(split.ba).post(reverse("cooperatives:visit_create", kwargs={"pk": cooperative.pk}),
                                         visit_data())
    assert "sudah dikirim" in response.text and not Visit.objects.exists()


def test_the_correct_link_shows_only_while_the_author_may_correct(client_for, split):
    cooperative = Cooperative.objects.get(village_id=split.villages[0])
    client = client_for(split.ba)
    client.post(reverse("cooperatives:visit_create", kwargs={"pk": cooperative.pk}), visit_data())
    visit = Visit.objects.get()
    edit = reverse("cooperatives:visit_update", kwargs={"pk": visit.pk})
    assert edit in client.get(cooperative.get_absolute_url()).text
    Visit.objects.filter(pk=visit.pk).update(created_at=timezone.now() - timedelta(days=7, minutes=1))
    assert edit not in client.get(cooperative.get_absolute_url()).text


def test_a_cooperatives_visits_come_a_page_at_a_time_and_every_open_follow_up_shows(client_for, split):
    from cooperatives import services

    cooperative = Cooperative.objects.get(village_id=split.villages[0])
    start = timezone.localdate() - timedelta(days=200)
    for day in range(25):
        services.visit_create(actor=split.ba, mentor=split.ba_mentor, cooperative=cooperative,
                              date=start + timedelta(days=day), mode="phone", focus_areas=["markets"],
                              summary=f"Kunjungan ke-{day + 1}",
                              follow_ups=[("Tindak lanjut paling awal", start + timedelta(days=30))] if day == 0
                              else [])
    client = client_for(split.ba)
    first = client.get(cooperative.get_absolute_url())
    assert len(first.context["visits"]) == 20 and "Kunjungan ke-25" in first.text
    assert "Kunjungan ke-1<" not in first.text and "Tindak lanjut paling awal" in first.text
    second = client.get(cooperative.get_absolute_url() + "?page=2")
    assert len(second.context["visits"]) == 5 and "Kunjungan ke-1<" in second.text


def test_the_office_reads_its_regencys_open_follow_ups_without_closing_them(client_for, split, office_user,
                                                                            other_admin, count_queries):
    cooperative = Cooperative.objects.get(village_id=split.villages[0])
    client = client_for(split.ba)
    today = timezone.localdate()
    for due, action in ((today + timedelta(days=9), "Nanti"), (today - timedelta(days=3), "Terlambat")):
        client.post(reverse("cooperatives:visit_create", kwargs={"pk": cooperative.pk}),
                    visit_data(**{"follow-0-action": action, "follow-0-due_date": due.isoformat()}))
    office = client_for(office_user)
    page = office.get(reverse("cooperatives:follow_up_list"))
    assert page.status_code == 200
    assert [f.action for f in page.context["follow_ups"]] == ["Terlambat", "Nanti"]
    text = page.content.decode()
    assert "Tindak lanjut yang belum selesai" in text and "Tandai selesai" not in text
    assert f'href="{cooperative.get_absolute_url()}"' in text and f'href="{split.ba_mentor.get_absolute_url()}"' in text
    # Another regency's office sees none of them.
    assert list(client_for(other_admin).get(reverse("cooperatives:follow_up_list")).context["follow_ups"]) == []
    # One page costs the same with 2 open follow-ups and with 12.
    with count_queries() as few:
        count_queries.get(office, reverse("cooperatives:follow_up_list"))
    for _extra in range(5):
        client.post(reverse("cooperatives:visit_create", kwargs={"pk": cooperative.pk}), visit_data())
    with count_queries() as many:
        count_queries.get(office, reverse("cooperatives:follow_up_list"))
    count_queries.assert_same(few, many, most=15)
