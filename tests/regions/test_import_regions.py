import csv

import pytest
from django.core.management import CommandError, call_command

from regions.models import District, Province, Regency, Village
from regions.services import RegionImportError, regions_import

pytestmark = pytest.mark.usefixtures("no_regions")


def test_importing_sukabumi_loads_47_districts_381_desa_and_5_kelurahan():
    report = regions_import(regency_code="32.02")

    regency = Regency.objects.get(code="32.02")
    assert regency.name == "Kabupaten Sukabumi"
    assert regency.kind == Regency.Kind.REGENCY
    assert regency.province.code == "32" and regency.province.name == "Jawa Barat"
    assert District.objects.filter(regency=regency).count() == 47
    assert Village.objects.filter(kind=Village.Kind.DESA).count() == 381
    assert set(Village.objects.filter(kind=Village.Kind.KELURAHAN).values_list("code", flat=True)) == {
        "32.02.01.1001", "32.02.11.1001", "32.02.16.1001", "32.02.21.1001", "32.02.24.1013",
    }
    assert report.villages.created == 386
    assert report.village_kinds == {"desa": 381, "kelurahan": 5}


def test_imported_codes_names_and_postal_codes_match_the_published_sukabumi_list(shared_data):
    regions_import(regency_code="32.02")
    with open(shared_data / "sukabumi_villages.csv", encoding="utf-8") as handle:
        expected = {row["code"]: (row["name"], row["kind"], row["district_code"], row["postal_code"])
                    for row in csv.DictReader(handle)}
    with open(shared_data / "sukabumi_districts.csv", encoding="utf-8") as handle:
        expected_districts = {row["code"]: row["name"] for row in csv.DictReader(handle)}

    imported = {v.code: (v.name, v.kind, v.district.code, v.postal_code)
                for v in Village.objects.select_related("district")}
    assert imported == expected
    assert dict(District.objects.values_list("code", "name")) == expected_districts


def test_re_running_the_import_restores_names_and_duplicates_nothing():
    regions_import(regency_code="32.02")
    Village.objects.filter(code="32.02.01.2002").update(name="Salah Ketik")
    Village.objects.filter(code="32.02.01.2003").delete()

    report = regions_import(regency_code="32.02")

    assert Village.objects.get(code="32.02.01.2002").name == "Tonjong"
    assert Village.objects.filter(code="32.02.01.2003").exists()
    assert report.villages.created == 1
    assert (Province.objects.count(), Regency.objects.count(), District.objects.count(),
            Village.objects.count()) == (1, 1, 47, 386)


@pytest.mark.parametrize("code", ["32.02.01", "32", "99.99", "abc", "32.02.01.2002", ""])
def test_a_code_that_is_not_a_regency_is_refused_and_changes_nothing(code):
    with pytest.raises(RegionImportError, match="bukan kode kabupaten/kota"):
        regions_import(regency_code=code)
    assert not Province.objects.exists() and not Village.objects.exists()


def test_the_command_explains_a_wrong_code_in_indonesian_and_english():
    with pytest.raises(CommandError) as error:
        call_command("import_regions", "32.02.01")
    assert "bukan kode kabupaten/kota" in str(error.value) and "is not a known regency code" in str(error.value)
    assert not Regency.objects.exists()


def test_the_command_needs_a_code_or_all():
    with pytest.raises(CommandError, match="--all"):
        call_command("import_regions")


def test_the_command_reports_what_it_imported(capsys):
    call_command("import_regions", "32.02")
    out = capsys.readouterr().out
    assert "386  (386 new" in out and "381 desa, 5 kelurahan" in out


def test_the_national_import_loads_every_region_of_indonesia():
    report = regions_import()

    assert (Province.objects.count(), Regency.objects.count(), District.objects.count(),
            Village.objects.count()) == (38, 514, 7285, 83762)
    assert report.village_kinds == {"kelurahan": 8496, "desa": 75252, "desa_adat": 14}
    assert Regency.objects.filter(kind=Regency.Kind.CITY).count() == 98
    assert Village.objects.get(code="32.02.01.2002").district.regency.code == "32.02"


def test_an_import_gives_every_region_the_shipped_centroid_unless_it_has_a_point(db, no_regions):
    report = regions_import(regency_code="32.02")
    assert (report.districts_located, report.villages_located) == (47, 386)
    village = Village.objects.filter(code__startswith="32.02.01.").order_by("code").first()
    assert -8 < village.latitude < -6 and 106 < village.longitude < 108
    # A point from imported geometry is kept when the regions are imported again.
    Village.objects.filter(pk=village.pk).update(latitude="-7.123456", longitude="106.654321")
    regions_import(regency_code="32.02")
    village.refresh_from_db()
    assert (str(village.latitude), str(village.longitude)) == ("-7.123456", "106.654321")
