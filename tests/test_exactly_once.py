"""Exactly-once writes: an import preview applies once even when two clicks arrive together, a visit form posted
twice records one visit, and a visit changed by someone else since the form was opened is not overwritten.
The simultaneous cases run real threads on PostgreSQL (SQLite serialises writers)."""

import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cooperatives import services
from cooperatives.models import Cooperative, Visit
from mentors.models import Mentor

ROSTER = ("nama;peran;telepon\n" + "".join(f"Tanpa Email {i} (fiktif);BA;0812000{i:05d}\n" for i in range(20)))


def _together(*actions):
    """Run the actions at the same moment, each in its own thread (its own database connection)."""
    barrier = threading.Barrier(len(actions))
    results = [None] * len(actions)

    def run(index, action):
        try:
            barrier.wait(5)
            results[index] = action()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def _needs_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers: SQLite serialises them (CI runs this on PostgreSQL)")


def _visit_data(cooperative, client):
    form = client.get(reverse("cooperatives:visit_create", kwargs={"pk": cooperative.pk})).context["form"]
    return {"date": timezone.localdate().isoformat(), "mode": "on_site", "focus_areas": ["outlets"],
            "summary": "Satu kunjungan", "submission": form.initial["submission"],
            "follow-TOTAL_FORMS": 0, "follow-INITIAL_FORMS": 0}


@pytest.mark.django_db
def test_a_visit_form_posted_twice_records_one_visit(client_for, split):
    cooperative = Cooperative.objects.get(village_id=split.villages[0])
    client = client_for(split.ba)
    data = _visit_data(cooperative, client)
    url = reverse("cooperatives:visit_create", kwargs={"pk": cooperative.pk})
    first, second = client.post(url, data), client.post(url, data)
    assert first.status_code == second.status_code == 302 and first["Location"] == second["Location"]
    assert Visit.objects.filter(cooperative=cooperative).count() == 1
    # A new form is a new visit.
    assert client.post(url, _visit_data(cooperative, client)).status_code == 302
    assert Visit.objects.filter(cooperative=cooperative).count() == 2


@pytest.mark.django_db
def test_a_visit_changed_since_the_form_was_opened_is_not_overwritten(client_for, split, admin_user):
    cooperative = Cooperative.objects.get(village_id=split.villages[0])
    visit = services.visit_create(actor=None, mentor=split.ba_mentor, cooperative=cooperative,
                                  date=timezone.localdate(), mode="phone", focus_areas=["training"], summary="Awal")
    client = client_for(split.ba)
    url = reverse("cooperatives:visit_update", kwargs={"pk": visit.pk})
    form = client.get(url).context["form"]
    services.visit_update(actor=None, visit=visit, date=visit.date, mode="phone", focus_areas=["training"],
                          summary="Dikoreksi admin")
    data = {"date": visit.date.isoformat(), "mode": "phone", "focus_areas": ["training"],
            "summary": "Versi lama BA", "version": form.initial["version"], "follow-TOTAL_FORMS": 0,
            "follow-INITIAL_FORMS": 0}
    response = client.post(url, data, follow=True)
    assert "Orang lain mengubah kunjungan ini" in response.text
    visit.refresh_from_db()
    assert visit.summary == "Dikoreksi admin"


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_posts_of_one_visit_form_record_one_visit(split):
    _needs_postgres()
    cooperative = Cooperative.objects.get(village_id=split.villages[0])
    clients = [Client(), Client()]
    for client in clients:
        client.force_login(split.ba)
    data = _visit_data(cooperative, clients[0])
    url = reverse("cooperatives:visit_create", kwargs={"pk": cooperative.pk})
    responses = _together(*(lambda c=c: c.post(url, data) for c in clients))
    assert [r.status_code for r in responses] == [302, 302]
    assert Visit.objects.filter(cooperative=cooperative).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_applies_of_one_import_preview_write_once(admin_user, sukabumi):
    _needs_postgres()
    client = Client()
    client.force_login(admin_user)
    preview = client.post(reverse("mentors:mentor_import"), {
        "regency": sukabumi.pk, "file": SimpleUploadedFile("roster.csv", ROSTER.encode())})
    token = preview.context["token"]
    before = Mentor.objects.count()
    # Two clicks of the same button: the same session, the same token, at the same moment.
    responses = _together(*(lambda: client.post(reverse("mentors:mentor_import_apply"), {"token": token})
                            for _ in range(2)))
    assert [r.status_code for r in responses] == [302, 302]
    assert Mentor.objects.count() - before == 20


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_first_saves_of_a_report_both_answer_and_one_report_is_sent(split):
    """A double click on "send" of a month's new report: the second request is told the report was saved meanwhile
    (no error page), and one report exists."""
    _needs_postgres()
    from cooperatives.models import MonthlyReport

    month = timezone.localdate().replace(day=1)
    url = reverse("cooperatives:report_detail", kwargs={"mentor_pk": split.ba_mentor.pk, "month": f"{month:%Y-%m}"})
    clients = [Client(), Client()]
    for client in clients:
        client.force_login(split.ba)
    data = {"action": "submit", "version": "", "obstacles": "Sinyal lemah", "next_month_plan": "Pelatihan"}
    responses = _together(*(lambda c=c: c.post(url, data) for c in clients))
    assert [r.status_code for r in responses] == [302, 302]
    assert MonthlyReport.objects.filter(mentor=split.ba_mentor, month=month).count() == 1
    assert MonthlyReport.objects.get(mentor=split.ba_mentor, month=month).status == MonthlyReport.Status.SUBMITTED


@pytest.mark.django_db
def test_a_token_belongs_to_its_author_another_mentor_posting_it_records_their_own_visit(client_for, split):
    cooperative = Cooperative.objects.get(village_id=split.villages[0])
    url = reverse("cooperatives:visit_create", kwargs={"pk": cooperative.pk})
    ba = client_for(split.ba)
    data = _visit_data(cooperative, ba)
    assert ba.post(url, data).status_code == 302
    # The BA's PMO, who may record visits to the same cooperative, posts a form carrying the same token.
    pmo = client_for(split.pmo)
    response = pmo.post(url, {**data, "summary": "Kunjungan PMO"})
    assert response.status_code == 302
    visits = Visit.objects.filter(cooperative=cooperative).order_by("pk")
    assert [(v.summary, v.created_by) for v in visits] == [("Satu kunjungan", split.ba), ("Kunjungan PMO", split.pmo)]
    assert response["Location"].endswith(f"#visit-{visits[1].pk}")
