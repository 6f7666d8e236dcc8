"""The village page names its cooperative and its mentors as links, each only for a reader who may open it, and
lists a BA once however often the plan is republished."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cooperatives.models import Cooperative
from regions.models import Village
from territories import publishing
from territories import services as plans

pytestmark = pytest.mark.django_db


def village_page(client, village):
    response = client.get(village.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_the_office_reads_the_cooperative_the_ba_and_the_pmo_as_links(split, office_client):
    village = Village.objects.get(pk=split.villages[0])
    cooperative = Cooperative.objects.get(village=village)
    page = village_page(office_client, village)
    assert f'href="{cooperative.get_absolute_url()}">{cooperative.name}</a>' in page
    assert f'href="{split.ba_mentor.get_absolute_url()}">{split.ba_mentor.full_name}</a>' in page
    assert f'href="{split.pmo_mentor.get_absolute_url()}">{split.pmo_mentor.full_name}</a>' in page


def test_the_pmo_opens_their_ba_and_the_ba_their_own_page_but_not_their_pmos(split, client_for):
    village = Village.objects.get(pk=split.villages[0])
    cooperative = Cooperative.objects.get(village=village)
    page = village_page(client_for(split.pmo), village)
    assert f'href="{split.ba_mentor.get_absolute_url()}"' in page
    page = village_page(client_for(split.ba), village)
    assert f'href="{cooperative.get_absolute_url()}"' in page
    assert f'href="{split.ba_mentor.get_absolute_url()}"' in page
    # A BA may not open their PMO's page: the name is there, without a link that would answer 404.
    assert split.pmo_mentor.full_name in page and f'href="{split.pmo_mentor.get_absolute_url()}"' not in page
    assert client_for(split.ba).get(split.pmo_mentor.get_absolute_url()).status_code == 404


def test_a_republished_plan_does_not_list_the_same_ba_twice(split, office_client):
    village = Village.objects.get(pk=split.villages[0])
    again = plans.plan_create(actor=None, regency=split.plan.regency, name="Rencana diterbitkan ulang")
    publishing.plan_publish(actor=None, plan=again, version=again.version,
                            effective_from=timezone.localdate() - timedelta(days=10),
                            reviewed_active_id=split.plan.pk)
    page = village_page(office_client, village)
    history = page.split('id="mentors-over-time"')[1]
    assert history.count(f">{split.ba_mentor.full_name}</a>") == 1
    # One period since the first plan, naming both plans.
    assert "Rencana diterbitkan ulang" in history and "Rencana" in history
    since = timezone.localdate() - timedelta(days=90)
    assert f"{since.day} " in history.split("</td>")[0]


def test_a_village_without_a_cooperative_says_so(split, office_client):
    village = Village.objects.get(pk=split.villages[0])
    Cooperative.objects.filter(village=village).delete()
    page = village_page(office_client, village)
    assert "Koperasi</dt>\n    <dd>–</dd>" in page
