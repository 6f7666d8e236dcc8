"""Every import preview shows what changes, in Chromium at 1280×800 and 360×740: new rows, changed fields with
the value now struck through and the file's value, unchanged rows."""

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from mentors.models import Mentor

from .conftest import screenshot
from .test_dashboard_phone import SIZES, _clean, _signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def logins(sukabumi):
    output = io.StringIO()
    call_command("demo", stdout=output)
    return dict(line.split()[:2] for line in output.getvalue().splitlines()
                if line.startswith("  ") and "@" in line and not line.strip().startswith("("))


def test_the_mentor_import_preview_marks_new_changed_and_unchanged_rows(browser, live_server, logins, tmp_path):
    changed = Mentor.objects.get(email="ba01@demo.koperasi.invalid")
    same = Mentor.objects.get(email="ba02@demo.koperasi.invalid")
    old_phone = changed.phone_display
    roster = tmp_path / "roster.csv"
    roster.write_text("nama,peran,telepon,email\n"
                      f"{changed.full_name},BA,0857-1111-2222,{changed.email}\n"
                      f"{same.full_name},BA,{same.phone},{same.email}\n"
                      "Rina Baru,BA,0813-5555-6666,rina.baru@demo.koperasi.invalid\n", encoding="utf-8")
    tab = _signed_in(browser, live_server, logins["admin"])
    for size, viewport in SIZES.items():
        tab.set_viewport_size(viewport)
        tab.goto(tab.base_url + "/mentors/import/")
        tab.set_input_files("#id_file", str(roster))
        tab.locator("main form[enctype] button[type=submit]").click()
        rows = tab.locator("table.import-preview tbody tr")
        expect(rows).to_have_count(3)
        update, unchanged, create = rows.nth(0), rows.nth(1), rows.nth(2)
        expect(update).to_have_class("import-update")
        expect(update.locator(".badge")).to_have_text("berubah")
        expect(update.locator("del")).to_contain_text(old_phone)
        expect(update.locator("ins")).to_contain_text("0857-1111-2222")
        expect(update.locator(".import-field")).to_have_text(["telepon"])
        expect(unchanged.locator(".badge")).to_have_text("tidak berubah")
        expect(unchanged.locator("del, ins")).to_have_count(0)
        expect(create.locator(".badge")).to_have_text("baru")
        expect(create.locator("ins").first).to_be_visible()
        expect(create).to_contain_text("rina.baru@demo.koperasi.invalid")
        expect(tab.locator(".import-summary")).to_contain_text("1 akan ditambahkan, 1 akan diperbarui, 1 tidak berubah")
        _clean(tab, f"the import preview ({size})")
        screenshot(tab, f"import-preview-{size}")
    assert old_phone and Mentor.objects.get(pk=changed.pk).phone == changed.phone  # a preview writes nothing
    assert not Mentor.objects.filter(email="rina.baru@demo.koperasi.invalid").exists()
