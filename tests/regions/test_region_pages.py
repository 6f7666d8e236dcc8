import pytest
from django.urls import reverse

from regions.models import Boundary, Village

from ..factories import DistrictFactory, MembershipFactory, RegencyFactory, VillageFactory

pytestmark = pytest.mark.django_db

REGION_PAGES = [
    ("regions:regency_list", {}),
    ("regions:regency_detail", {"code": "32.02"}),
    ("regions:district_detail", {"code": "32.02.01"}),
    ("regions:village_detail", {"code": "32.02.01.2002"}),
]


@pytest.mark.parametrize("name, kwargs", REGION_PAGES + [("home", {})])
def test_an_anonymous_visitor_is_sent_to_sign_in_from_every_page(client, sukabumi, name, kwargs):
    url = reverse(name, kwargs=kwargs)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={url}"


def test_the_regency_page_lists_its_47_districts_with_village_counts(office_client, sukabumi):
    response = office_client.get(reverse("regions:regency_detail", kwargs={"code": "32.02"}))
    assert response.status_code == 200
    districts = list(response.context["page_obj"])
    assert len(districts) == 47
    palabuhanratu = districts[0]
    assert (palabuhanratu.code, palabuhanratu.name) == ("32.02.01", "Palabuhanratu")
    assert (palabuhanratu.village_count, palabuhanratu.desa_count, palabuhanratu.kelurahan_count) == (10, 9, 1)
    assert sum(d.village_count for d in districts) == 386
    assert "Kecamatan" in response.text


def test_districts_can_be_searched_by_name_or_code(office_client, sukabumi):
    url = reverse("regions:regency_detail", kwargs={"code": "32.02"})
    by_name = office_client.get(url, {"q": "cibadak"})
    assert [d.name for d in by_name.context["page_obj"]] == ["Cibadak"]
    by_code = office_client.get(url, {"q": "32.02.01"})
    assert [d.code for d in by_code.context["page_obj"]] == ["32.02.01"]
    nothing = office_client.get(url, {"q": "Bogor"})
    assert "Tidak ada data yang sesuai" in nothing.text


def test_an_htmx_search_returns_only_the_results_table(office_client, sukabumi):
    url = reverse("regions:regency_detail", kwargs={"code": "32.02"})
    response = office_client.get(url, {"q": "Cicurug"}, headers={"HX-Request": "true"})
    assert "<html" not in response.text
    assert "Cicurug" in response.text and "Palabuhanratu" not in response.text


def test_the_district_page_lists_its_villages_and_filters_by_kind(office_client, sukabumi):
    url = reverse("regions:district_detail", kwargs={"code": "32.02.01"})
    response = office_client.get(url)
    assert [v.code for v in response.context["page_obj"]][:3] == ["32.02.01.1001", "32.02.01.2002", "32.02.01.2003"]
    assert "Palabuhanratu" in response.text and "Tonjong" in response.text
    kelurahan = office_client.get(url, {"kind": "kelurahan"})
    assert [v.name for v in kelurahan.context["page_obj"]] == ["Palabuhanratu"]


def test_lists_are_paginated_by_fifty(office_client, office_user):
    district = DistrictFactory()
    MembershipFactory(user=office_user, regency=district.regency, role="staff")
    VillageFactory.create_batch(60, district=district)
    url = reverse("regions:district_detail", kwargs={"code": district.code})
    first = office_client.get(url)
    assert len(first.context["page_obj"]) == 50 and 'rel="next"' in first.text
    second = office_client.get(url, {"page": 2})
    assert len(second.context["page_obj"]) == 10
    beyond = office_client.get(url, {"page": 99})
    assert beyond.status_code == 200 and len(beyond.context["page_obj"]) == 10


def test_the_village_page_shows_its_code_place_and_outline(office_client, sukabumi):
    Boundary.objects.create(code="32.02.01.2002", geometry={
        "type": "Polygon", "coordinates": [[[106.6, -7.0], [106.62, -7.0], [106.62, -6.98], [106.6, -7.0]]]})
    response = office_client.get(reverse("regions:village_detail", kwargs={"code": "32.02.01.2002"}))
    assert response.status_code == 200
    for text in ("Tonjong", "32.02.01.2002", "Palabuhanratu", "Kabupaten Sukabumi", "Jawa Barat", "43364", "<svg"):
        assert text in response.text


@pytest.mark.parametrize("path", ["/regions/32.99/", "/regions/32.02.99/", "/regions/32.02.01.9999/",
                                  "/regions/32.02.1/", "/regions/x/"])
def test_an_unknown_or_malformed_code_is_not_found(office_client, sukabumi, path):
    assert office_client.get(path).status_code == 404


def test_the_district_page_uses_the_same_number_of_queries_for_1_and_50_villages(
    office_client, office_user, count_queries
):
    small, large = DistrictFactory(), DistrictFactory()
    MembershipFactory(user=office_user, regency=small.regency, role="staff")
    MembershipFactory(user=office_user, regency=large.regency, role="staff")
    VillageFactory(district=small)
    VillageFactory.create_batch(50, district=large)
    office_client.get("/")  # warm the session

    with count_queries() as one:
        count_queries.get(office_client, reverse("regions:district_detail", kwargs={"code": small.code}))
    with count_queries() as fifty:
        count_queries.get(office_client, reverse("regions:district_detail", kwargs={"code": large.code}))
    count_queries.assert_same(one, fifty, most=10)


def test_the_district_list_uses_the_same_number_of_queries_for_1_and_50_districts(
    office_client, office_user, count_queries
):
    small, large = RegencyFactory(code="99.01"), RegencyFactory(code="99.02")
    for regency in (small, large):
        MembershipFactory(user=office_user, regency=regency, role="staff")
    VillageFactory(district=DistrictFactory(regency=small))
    for district in DistrictFactory.create_batch(50, regency=large):
        VillageFactory(district=district, kind=Village.Kind.DESA)
    office_client.get("/")

    with count_queries() as one:
        count_queries.get(office_client, reverse("regions:regency_detail", kwargs={"code": small.code}))
    with count_queries() as fifty:
        count_queries.get(office_client, reverse("regions:regency_detail", kwargs={"code": large.code}))
    count_queries.assert_same(one, fifty, most=10)
    assert len(fifty.captured_queries) <= 8


def test_the_home_page_counts_the_regions(office_client, sukabumi):
    response = office_client.get("/")
    assert response.status_code == 200
    figures = response.context["figures"]
    assert (figures.villages, figures.desa, figures.kelurahan, figures.districts) == (386, 381, 5, 47)
    assert "Angka per" in response.text  # the page says how fresh its figures are
