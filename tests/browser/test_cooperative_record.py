"""A cooperative's record on a phone: readiness, units, land, board and the member trend fit a 360 px screen, and
the village's BA records a land plot and a member count from the field."""

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from cooperatives.models import Cooperative, LandPlot
from territories.models import BaTerritory

from .conftest import screenshot
from .test_dashboards import AXE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_record_fits_a_phone_and_a_ba_updates_it_from_the_field(phone, sukabumi):
    call_command("demo", stdout=io.StringIO())
    # A cooperative of ba01's territory that has land, a board and member counts.
    territory = BaTerritory.objects.get(plan__status="active", mentor__email="ba01@demo.koperasi.invalid")
    villages = territory.village_links.values_list("village_id", flat=True)
    cooperative = (Cooperative.objects.filter(village_id__in=villages, land__isnull=False).first()
                   or Cooperative.objects.filter(village_id__in=villages).first())
    phone.goto(phone.base_url + "/accounts/login/")
    phone.fill("#id_login", "ba01@demo.koperasi.invalid")
    phone.fill("#id_password", "demo-koperasi-2025")
    phone.get_by_role("button", name="Masuk").click()
    phone.wait_for_url(phone.base_url + "/")

    phone.goto(phone.base_url + cooperative.get_absolute_url())
    for section in ("#readiness", "#part-units", "#part-land", "#part-board", "#part-members"):
        expect(phone.locator(section)).to_be_visible()
    expect(phone.locator("#readiness")).to_contain_text("Kesiapan pembiayaan")
    expect(phone.locator("#part-members tbody tr").first).to_be_visible()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the cooperative page scrolls sideways ({width} px)"
    phone.evaluate(AXE.read_text(encoding="utf-8"))
    result = phone.evaluate("axe.run(document, {resultTypes: ['violations']})")
    serious = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
               if v["impact"] in ("serious", "critical")]
    assert not serious, serious
    screenshot(phone, "cooperative-record-phone")

    # From the field: a land plot (below the minimum: kept and marked) and today's member count.
    plots = LandPlot.objects.filter(cooperative=cooperative).count()
    phone.locator("#part-land a.part-link").click()
    phone.fill("#id_latitude", f"{float(cooperative.village.latitude) + 0.0012:.6f}")  # near its village
    phone.fill("#id_longitude", f"{float(cooperative.village.longitude) + 0.0012:.6f}")
    phone.fill("#id_area_m2", "950")
    phone.locator("form[aria-labelledby=form-title] button[type=submit]").click()
    expect(phone.locator(".message-success")).to_be_visible()
    assert LandPlot.objects.filter(cooperative=cooperative).count() == plots + 1
    expect(phone.locator("main")).to_contain_text("di bawah 1.000 m²")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the land page scrolls sideways ({width} px)"
    screenshot(phone, "cooperative-land-phone")
    phone.goto(phone.base_url + f"/cooperatives/{cooperative.pk}/members/")
    phone.fill("#id_count", "321")
    phone.locator("form[aria-labelledby=form-title] button[type=submit]").click()
    expect(phone.locator(".message-success")).to_be_visible()
    cooperative.refresh_from_db()
    assert cooperative.member_count == 321
