"""The office compares the registry with a SIMKOPDES export, in Chromium at 1280×800 and 360×740: from the registry
to the regency's page, the columns saved, the export uploaded, its differences reviewed and one accepted."""

import csv
import io

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from cooperatives.models import Cooperative

from .conftest import screenshot
from .test_dashboard_phone import SIZES, _clean, _signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def logins(sukabumi):
    output = io.StringIO()
    call_command("demo", stdout=output)
    return dict(line.split()[:2] for line in output.getvalue().splitlines()
                if line.startswith("  ") and "@" in line and not line.strip().startswith("("))


def test_an_admin_uploads_an_export_reviews_its_differences_and_accepts_one(browser, live_server, logins, tmp_path):
    coops = list(Cooperative.objects.filter(village__district__regency__code="32.02").select_related("village")
                 .order_by("village__code")[:3])
    tab = _signed_in(browser, live_server, logins["admin"])
    for size, viewport in SIZES.items():
        tab.set_viewport_size(viewport)
        chair = f"Ketua {size.title()}"
        before = Cooperative.objects.get(pk=coops[0].pk).chair_name
        export = tmp_path / f"simkopdes-{size}.csv"
        with export.open("w", encoding="utf-8", newline="") as file:
            csv.writer(file).writerows([["Kode Desa", "Nama Koperasi", "Nama Ketua"]] + [
                [c.village.code, c.name, chair if i == 0 else ""] for i, c in enumerate(coops)])
        tab.goto(tab.base_url + "/cooperatives/")
        tab.locator("main a[href='/cooperatives/simkopdes/']").click()
        expect(tab).to_have_url(f"{tab.base_url}/cooperatives/simkopdes/32.02/")
        if size == "desk":  # the columns are chosen once; the phone finds them saved
            for name in ("simkopdes_id", "legal_entity_number", "nik_number", "legal_entity_date", "chair_phone",
                         "member_count", "stage", "simkopdes_status"):  # this export has three columns
                tab.locator(f"#id_{name}").fill("")
            tab.locator("#mapping button[type=submit]").click()
        tab.set_input_files("#upload input[type=file]", str(export))
        tab.locator("#upload button[type=submit]").click()
        expect(tab.locator("h1")).to_have_text(export.name)
        rows = tab.locator("table.reconciliation tbody tr")
        expect(rows).to_have_count(1)
        expect(rows.first.locator("del")).to_have_text(before or "–")
        expect(rows.first.locator("ins")).to_have_text(chair)
        expect(tab.locator("nav.tabs a").nth(1)).to_contain_text(str(Cooperative.objects.filter(
            village__district__regency__code="32.02").count() - 3))
        _clean(tab, f"the reconciliation's differences ({size})")
        screenshot(tab, f"reconciliation-{size}")
        rows.first.locator("input[name=accept]").check()
        tab.locator("#accept-form button[type=submit]:not([name])").click()
        expect(rows.first.locator(".badge")).to_be_visible()
        expect(rows.first.locator("input[name=accept]")).to_have_count(0)
        assert Cooperative.objects.get(pk=coops[0].pk).chair_name == chair
