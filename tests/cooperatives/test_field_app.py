"""The field app's server side: the worker and the manifest, and visits sent from the phone's store, which carry
their one-time token and ask for a JSON answer (static/js/field.js)."""

import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cooperatives.models import Cooperative, MonthlyReport, Visit

from ..test_exactly_once import _needs_postgres, _together

FIELD = {"HTTP_X_FIELD_APP": "1", "HTTP_ACCEPT": "application/json"}


def _photo(name="foto.png"):
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (40, 30), "#c62828").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def _data(token, **extra):
    return {"date": timezone.localdate().isoformat(), "mode": "on_site", "focus_areas": ["outlets"],
            "summary": "Dicatat tanpa sinyal", "submission": token, "follow-TOTAL_FORMS": 1,
            "follow-INITIAL_FORMS": 0, "follow-0-action": "Kirim foto gerai",
            "follow-0-due_date": (timezone.localdate() + timedelta(days=7)).isoformat(), **extra}


@pytest.mark.django_db
def test_a_visit_sent_again_with_its_token_is_recorded_once_with_its_photos_and_follow_ups(client_for, split):
    cooperative = Cooperative.objects.get(village_id=split.villages[0])
    client = client_for(split.ba)
    url = reverse("cooperatives:visit_create", kwargs={"pk": cooperative.pk})
    answers = [client.post(url, _data("a" * 32, files=[_photo("1.png"), _photo("2.png")]), **FIELD)
               for _ in range(3)]  # the answer lost to a timeout, sent again twice
    assert [a.status_code for a in answers] == [201, 201, 201]
    visit = Visit.objects.get(cooperative=cooperative)
    assert {a.json()["url"] for a in answers} == {visit.get_absolute_url()}
    assert visit.files.count() == 2 and visit.follow_ups.count() == 1


@pytest.mark.django_db
def test_a_visit_refused_by_the_server_is_answered_with_its_reason_in_json(client_for, split):
    cooperative = Cooperative.objects.get(village_id=split.villages[0])
    MonthlyReport.objects.create(mentor=split.ba_mentor, month=timezone.localdate().replace(day=1),
                                 status=MonthlyReport.Status.SUBMITTED)
    client = client_for(split.ba)
    answer = client.post(reverse("cooperatives:visit_create", kwargs={"pk": cooperative.pk}),
                         _data("b" * 32), **FIELD)
    assert answer.status_code == 400
    assert any("sudah dikirim" in error for error in answer.json()["errors"]), answer.json()
    assert not Visit.objects.exists()
    missing = client.post(reverse("cooperatives:visit_create", kwargs={"pk": cooperative.pk}),
                          _data("c" * 32, summary="", focus_areas=[]), **FIELD)
    assert missing.status_code == 400 and len(missing.json()["errors"]) >= 2


@pytest.mark.django_db
def test_a_visit_to_a_cooperative_no_longer_the_bas_is_refused_with_404(client_for, split):
    elsewhere = Cooperative.objects.exclude(village_id__in=split.villages).first()
    answer = client_for(split.ba).post(reverse("cooperatives:visit_create", kwargs={"pk": elsewhere.pk}),
                                       _data("d" * 32), **FIELD)
    assert answer.status_code == 404 and not Visit.objects.exists()


@pytest.mark.django_db
def test_a_visit_sent_after_the_session_ended_is_sent_to_sign_in_and_not_recorded(split):
    cooperative = Cooperative.objects.get(village_id=split.villages[0])
    answer = Client().post(reverse("cooperatives:visit_create", kwargs={"pk": cooperative.pk}), _data("e" * 32),
                           **FIELD)
    assert answer.status_code == 302 and "/accounts/login/" in answer["Location"]
    assert not Visit.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_sends_of_one_kept_visit_record_one_visit(split):
    _needs_postgres()
    cooperative = Cooperative.objects.get(village_id=split.villages[0])
    clients = [Client(), Client()]
    for client in clients:
        client.force_login(split.ba)
    url = reverse("cooperatives:visit_create", kwargs={"pk": cooperative.pk})
    answers = _together(*(lambda c=c: c.post(url, _data("f" * 32), **FIELD) for c in clients))
    assert [a.status_code for a in answers] == [201, 201]
    assert Visit.objects.filter(cooperative=cooperative).count() == 1


@pytest.mark.django_db
def test_the_worker_is_served_from_the_root_with_the_app_shell_and_the_mentors_pages(client):
    answer = client.get("/sw.js")
    assert answer.status_code == 200 and answer["Service-Worker-Allowed"] == "/"
    assert answer["Content-Type"].startswith("text/javascript")
    config = json.loads(answer.text.split("\n", 1)[0].removeprefix("self.FIELD = ").rstrip(";"))
    assert config["list"] == "/field/pages/" and config["offline"] == "/offline/"
    assert any(asset.endswith("field.js") for asset in config["assets"])
    manifest = client.get("/manifest.webmanifest").json()
    assert manifest["display"] == "standalone" and {"192x192", "512x512"} <= {i["sizes"] for i in manifest["icons"]}


@pytest.mark.django_db
def test_only_mentors_pages_carry_the_field_app(client_for, split, office_user):
    assert b"field.js" in client_for(split.ba).get("/").content
    assert b"field.js" not in client_for(office_user).get("/").content


@pytest.mark.django_db
def test_a_mentors_phone_keeps_the_pages_of_their_own_cooperatives_and_no_one_elses(client_for, split):
    pages = client_for(split.ba).get(reverse("field_pages")).json()["pages"]
    own = Cooperative.objects.filter(village_id__in=split.villages)
    assert {"/", "/visits/new/", "/follow-ups/", "/offline/"} <= set(pages)
    assert {p for p in pages if p.startswith("/cooperatives/")} == {
        url for c in own for url in (c.get_absolute_url(), reverse("cooperatives:visit_create", args=[c.pk]))}
    assert len(pages) == len(set(pages)) == 4 + 2 * own.count()
    assert client_for(split.other_ba).get(reverse("field_pages")).json()["pages"] != pages


@pytest.mark.django_db
def test_a_phone_keeps_at_most_sixty_cooperatives_in_one_query_however_many(client_for, split, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from koperasi_portal import views

    assert views.FIELD_COOPERATIVES_KEPT == 60
    client = client_for(split.pmo)  # a PMO's whole area: about two hundred cooperatives
    client.get("/")  # the session and the person's roles read once
    counts = {}
    for most in (1, 60):
        monkeypatch.setattr(views, "FIELD_COOPERATIVES_KEPT", most)
        with CaptureQueriesContext(connection) as queries:
            pages = client.get(reverse("field_pages")).json()["pages"]
        counts[most] = len(queries)
        assert len([p for p in pages if p.startswith("/cooperatives/")]) == 2 * most
    assert counts[1] == counts[60], counts
