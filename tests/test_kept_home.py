"""A home is kept for its person's session until anything is written in their regencies: kept, it reads almost
nothing; after a write by anyone there, it shows the write at once."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cooperatives.models import Cooperative
from toolkit.activity import activity_recorded

from .cooperatives.test_visits import visit_data

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    """A client of its own (two people at once, each with their session)."""
    client = Client()
    client.force_login(user)
    return client


def home(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")
    assert response.status_code == 200
    return response, len(queries)


def test_a_kept_home_reads_almost_nothing_and_a_write_in_the_regency_shows_at_once(split, settings, other_regency):
    settings.FIGURES_MAX_AGE = 60
    pmo, ba = signed_in(split.pmo), signed_in(split.ba)
    first, computed = home(pmo)
    again, kept = home(pmo)
    assert kept < computed and again.text.count("<tr") == first.text.count("<tr")

    activity_recorded([other_regency.pk])  # another regency's write leaves this one kept
    assert home(pmo)[1] == kept

    cooperative = Cooperative.objects.get(village_id=split.villages[0])
    home(ba)
    assert "cooperatives" not in home(ba)[0].context  # kept: the body was not rendered again
    answer = ba.post(reverse("cooperatives:visit_create", kwargs={"pk": cooperative.pk}), visit_data(), follow=True)
    assert "Kunjungan tersimpan" in answer.text
    after, _ = home(ba)
    row = next(r for r in after.context["cooperatives"] if r.pk == cooperative.pk)
    assert row.last_visit is not None and row.next_due is not None

    # The BA's visit, written in the PMO's regency, shows on the PMO's kept home at once.
    team, count = home(pmo)
    assert count == computed
    mine = next(r for r in team.context["team"] if r["mentor"] == split.ba_mentor)
    assert mine["visits_month"] == 1


def test_without_kept_figures_every_home_is_computed(client_for, split):
    client = client_for(split.pmo)
    assert home(client)[1] == home(client)[1]
    assert home(client)[0].context["team"]
