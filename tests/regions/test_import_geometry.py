import csv
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from regions.models import Boundary, District, Village

pytestmark = pytest.mark.django_db


def test_sukabumi_geojson_sets_every_coordinate_and_stores_the_boundaries(sukabumi, shared_data, capsys):
    call_command(
        "import_geometry", shared_data / "sukabumi_villages.geojson", shared_data / "sukabumi_districts.geojson"
    )

    with open(shared_data / "sukabumi_villages.csv", encoding="utf-8") as handle:
        expected = {row["code"]: (Decimal(row["lat"]), Decimal(row["lng"])) for row in csv.DictReader(handle)}
    located = {v.code: (v.latitude, v.longitude) for v in Village.objects.all()}
    assert located == expected
    assert District.objects.filter(latitude__isnull=True).count() == 0
    assert Boundary.objects.count() == 386 + 47
    assert Boundary.objects.get(code="32.02.01.1001").geometry["type"] == "MultiPolygon"
    assert "386 villages located, 386 boundaries stored" in capsys.readouterr().out


def test_unknown_codes_are_reported_and_the_known_ones_still_imported(sukabumi, tmp_path, capsys):
    ring = [[106.5, -7.0], [106.6, -7.0], [106.6, -6.9], [106.5, -6.9], [106.5, -7.0]]
    square = {"type": "Polygon", "coordinates": [ring]}
    collection = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "32.02.01.2002"}, "geometry": square},
        {"type": "Feature", "properties": {"code": "32.02.99.2001"}, "geometry": square},
        {"type": "Feature", "properties": {"name": "no code"}, "geometry": square},
    ]}
    path = tmp_path / "mixed.geojson"
    path.write_text(json.dumps(collection))

    call_command("import_geometry", path)

    captured = capsys.readouterr()
    assert "1 unknown codes" in captured.err and "32.02.99.2001" in captured.err
    assert "1 features without a code" in captured.err
    village = Village.objects.get(code="32.02.01.2002")
    # No lat/lng properties: the centre of the outline is used.
    assert (village.latitude, village.longitude) == (Decimal("-6.960000"), Decimal("106.540000"))
    assert not Boundary.objects.filter(code="32.02.99.2001").exists()


@pytest.mark.parametrize("content, message", [
    ("this is not json", "bukan JSON"),
    (json.dumps({"type": "Feature"}), "bukan GeoJSON FeatureCollection"),
    (json.dumps({"type": "FeatureCollection"}), "tanpa daftar 'features'"),
])
def test_a_malformed_file_is_refused_and_changes_nothing(sukabumi, tmp_path, content, message):
    path = tmp_path / "broken.geojson"
    path.write_text(content)
    before = list(Village.objects.order_by("pk").values_list("latitude", "longitude"))
    with pytest.raises(CommandError, match=message):
        call_command("import_geometry", path)
    assert list(Village.objects.order_by("pk").values_list("latitude", "longitude")) == before
    assert not Boundary.objects.exists()


def test_a_missing_file_gets_a_clear_message(tmp_path):
    with pytest.raises(CommandError, match="tidak dapat dibaca"):
        call_command("import_geometry", tmp_path / "nowhere.geojson")
