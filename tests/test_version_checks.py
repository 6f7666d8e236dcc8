"""Every editable record carries a version check: two people editing the same thing do not silently overwrite each
other. The second save is refused with a message, and the first person's change stays."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cooperatives.models import BusinessUnit, Cooperative, MonthlyReport, UnitKind, UnitStatus
from offices.models import OfficeSettings
from offices.services import office_settings_update
from regions.models import Regency

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def hidden_version(page) -> str:
    return page.context["version"]


@pytest.fixture
def unit(split):
    cooperative = Cooperative.objects.get(village_id=split.villages[0])
    return BusinessUnit.objects.create(cooperative=cooperative, kind=UnitKind.SEMBAKO, name="Gerai awal",
                                       status=UnitStatus.PLANNED)


def part_url(unit, **query):
    url = reverse("cooperatives:cooperative_part", kwargs={"pk": unit.cooperative_id, "part": "units"})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def unit_post(unit, name, version):
    return {"id": unit.pk, "version": version, "kind": unit.kind, "name": name, "status": unit.status}


def test_a_cooperative_part_edited_in_two_places_keeps_the_first_save(split, admin_user, office_user, unit):
    desk, field = signed_in(admin_user), signed_in(office_user)
    first = hidden_version(desk.get(part_url(unit, edit=unit.pk)))
    second = hidden_version(field.get(part_url(unit, edit=unit.pk)))
    assert first == second
    assert desk.post(part_url(unit), unit_post(unit, "Gerai sembako Desa", first)).status_code == 302
    refused = field.post(part_url(unit), unit_post(unit, "Gerai lama", second), follow=True)
    assert "Tidak ada yang disimpan" in refused.text
    unit.refresh_from_db()
    assert unit.name == "Gerai sembako Desa"
    # With the page read again, the change goes through.
    fresh = hidden_version(field.get(part_url(unit, edit=unit.pk)))
    assert field.post(part_url(unit), unit_post(unit, "Gerai sembako Desa 2", fresh)).status_code == 302
    unit.refresh_from_db()
    assert unit.name == "Gerai sembako Desa 2"


def test_a_part_changed_after_the_page_was_opened_is_not_deleted(split, admin_user, office_user, unit):
    desk, field = signed_in(admin_user), signed_in(office_user)
    listed = field.get(part_url(unit)).text
    assert 'name="version"' in listed
    version = hidden_version(desk.get(part_url(unit, edit=unit.pk)))
    desk.post(part_url(unit), unit_post(unit, "Gerai diganti", version))
    delete = reverse("cooperatives:cooperative_part_delete", kwargs={"pk": unit.cooperative_id, "part": "units",
                                                                       "part_pk": unit.pk})
    refused = field.post(delete, {"version": version}, follow=True)
    assert "Tidak ada yang dihapus" in refused.text and BusinessUnit.objects.filter(pk=unit.pk).exists()


def test_a_report_draft_saved_from_two_devices_keeps_the_first(split):
    month = timezone.localdate().replace(day=1)
    url = reverse("cooperatives:report_detail", kwargs={"mentor_pk": split.ba_mentor.pk, "month": f"{month:%Y-%m}"})
    phone, laptop = signed_in(split.ba), signed_in(split.ba)
    on_phone, on_laptop = hidden_version(phone.get(url)), hidden_version(laptop.get(url))
    phone.post(url, {"action": "save", "version": on_phone, "obstacles": "Jalan rusak", "next_month_plan": "Rapat"})
    refused = laptop.post(url, {"action": "save", "version": on_laptop, "obstacles": "Versi lama",
                                "next_month_plan": ""}, follow=True)
    assert "disimpan dari perangkat lain" in refused.text
    report = MonthlyReport.objects.get(mentor=split.ba_mentor, month=month)
    assert report.obstacles == "Jalan rusak"


def test_regency_limits_saved_by_two_admins_keep_the_first(sukabumi, admin_user):
    from mentors.models import Membership
    from tests.factories import MembershipFactory, UserFactory

    other = MembershipFactory(user=UserFactory(email="admin2@example.test"), regency=sukabumi,
                              role=Membership.Role.ADMIN).user
    url = reverse("reporting:regency_limits", kwargs={"code": sukabumi.code})
    one, two = signed_in(admin_user), signed_in(other)
    first, second = hidden_version(one.get(url)), hidden_version(two.get(url))
    values = {"ba_target_min": 7, "ba_target_max": 15, "recency_amber_days": 20, "recency_red_days": 40,
              "report_due_day": 5, "ba_span_max_km": 30}
    assert one.post(url, {**values, "version": first}).status_code == 302
    refused = two.post(url, {**values, "recency_amber_days": 10, "version": second}, follow=True)
    assert "Tidak ada yang disimpan" in refused.text
    assert OfficeSettings.objects.get(regency=sukabumi).recency_amber_days == 20


def test_a_save_without_its_version_is_refused_like_a_stale_one(split, admin_user, unit):
    """A form posted without its version (a hand-made request, an old page) is not a licence to overwrite."""
    from cooperatives import services
    from cooperatives.models import Visit

    desk = signed_in(admin_user)
    post = unit_post(unit, "Tanpa versi", "")
    del post["version"]
    assert "Tidak ada yang disimpan" in desk.post(part_url(unit), post, follow=True).text
    delete = reverse("cooperatives:cooperative_part_delete", kwargs={"pk": unit.cooperative_id, "part": "units",
                                                                       "part_pk": unit.pk})
    assert "Tidak ada yang dihapus" in desk.post(delete, {}, follow=True).text
    unit.refresh_from_db()
    assert unit.name == "Gerai awal"

    month = timezone.localdate().replace(day=1)
    report_url = reverse("cooperatives:report_detail", kwargs={"mentor_pk": split.ba_mentor.pk,
                                                               "month": f"{month:%Y-%m}"})
    ba = signed_in(split.ba)
    ba.post(report_url, {"action": "save", "version": "", "obstacles": "Pertama", "next_month_plan": ""})
    refused = ba.post(report_url, {"action": "save", "obstacles": "Tanpa versi", "next_month_plan": ""}, follow=True)
    assert "disimpan dari perangkat lain" in refused.text
    assert MonthlyReport.objects.get(mentor=split.ba_mentor, month=month).obstacles == "Pertama"

    visit = services.visit_create(actor=None, mentor=split.ba_mentor, cooperative=unit.cooperative,
                                  date=timezone.localdate(), mode="phone", focus_areas=["training"], summary="Awal")
    refused = ba.post(reverse("cooperatives:visit_update", kwargs={"pk": visit.pk}), {
        "date": visit.date.isoformat(), "mode": "phone", "focus_areas": ["training"], "summary": "Tanpa versi",
        "follow-TOTAL_FORMS": 0, "follow-INITIAL_FORMS": 0}, follow=True)
    assert "Orang lain mengubah kunjungan ini" in refused.text
    assert Visit.objects.get(pk=visit.pk).summary == "Awal"

    limits = reverse("reporting:regency_limits", kwargs={"code": split.plan.regency.code})
    refused = desk.post(limits, {"ba_target_min": 7, "ba_target_max": 15, "recency_amber_days": 11,
                                 "recency_red_days": 40, "report_due_day": 5, "ba_span_max_km": 30}, follow=True)
    assert "Tidak ada yang disimpan" in refused.text
    assert OfficeSettings.of(Regency.objects.get(pk=split.plan.regency_id)).recency_amber_days != 11


# --- one scheme: every save path of an editable record refuses a stale and a missing version alike ----------

STALE_CASES = {}


def stale_case(function):
    """A save path: given the fixtures, what to post where, the stored row to compare, and a change made meanwhile
    by someone else (through the service with `version=None`, as an import or the demo does)."""
    STALE_CASES[function.__name__] = function
    return function


def form_data(form) -> dict:
    """What the browser would post back for an unbound form, as it was shown."""
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is not None:
            data[form.add_prefix(name)] = value if isinstance(value, list) else str(value)
    return data


@stale_case
def cooperative_edit(split, admin_user, unit):
    from cooperatives import services

    cooperative = unit.cooperative
    url = reverse("cooperatives:cooperative_update", kwargs={"pk": cooperative.pk})
    data = form_data(signed_in(admin_user).get(url).context["form"])
    return {"user": admin_user, "url": url, "view": "cooperatives.views", "message": "Orang lain telah mengubah data",
            "data": {**data, "notes": "STALE-EDIT"}, "row": lambda: Cooperative.objects.get(pk=cooperative.pk),
            "touch": lambda: services.cooperative_update(actor=None, cooperative=cooperative, version=None,
                                                         notes="Diubah orang lain")}


def _touch_unit(unit):
    from cooperatives import services

    return lambda: services.part_save(actor=None, cooperative=unit.cooperative, part=unit,
                                      values={"name": "Diubah orang lain"})


@stale_case
def record_part_save(split, admin_user, unit):
    return {"user": admin_user, "url": part_url(unit), "view": "cooperatives.views",
            "message": "Tidak ada yang disimpan", "data": unit_post(unit, "STALE-EDIT", None),
            "row": lambda: BusinessUnit.objects.get(pk=unit.pk), "touch": _touch_unit(unit)}


@stale_case
def record_part_delete(split, admin_user, unit):
    url = reverse("cooperatives:cooperative_part_delete", kwargs={"pk": unit.cooperative_id, "part": "units",
                                                                  "part_pk": unit.pk})
    return {"user": admin_user, "url": url, "view": "cooperatives.views", "message": "Tidak ada yang dihapus",
            "data": {}, "row": lambda: BusinessUnit.objects.get(pk=unit.pk), "touch": _touch_unit(unit)}


@stale_case
def visit_correction(split, admin_user, unit):
    from cooperatives import services
    from cooperatives.models import Visit

    visit = services.visit_create(actor=None, mentor=split.ba_mentor, cooperative=unit.cooperative,
                                  date=timezone.localdate(), mode="phone", focus_areas=["training"], summary="Awal")
    data = {"date": visit.date.isoformat(), "mode": "phone", "focus_areas": ["training"], "summary": "STALE-EDIT",
            "follow-TOTAL_FORMS": 0, "follow-INITIAL_FORMS": 0}
    return {"user": split.ba, "url": reverse("cooperatives:visit_update", kwargs={"pk": visit.pk}),
            "view": "cooperatives.views", "message": "Orang lain mengubah kunjungan ini", "data": data,
            "row": lambda: Visit.objects.get(pk=visit.pk),
            "touch": lambda: services.visit_update(actor=None, visit=Visit.objects.get(pk=visit.pk),
                                                   date=visit.date, mode="phone", focus_areas=["training"],
                                                   summary="Diubah orang lain")}


@stale_case
def report_draft(split, admin_user, unit):
    from cooperatives import services

    month = timezone.localdate().replace(day=1)
    services.report_save(actor=None, mentor=split.ba_mentor, month=month, obstacles="Awal", next_month_plan="")
    url = reverse("cooperatives:report_detail", kwargs={"mentor_pk": split.ba_mentor.pk, "month": f"{month:%Y-%m}"})
    return {"user": split.ba, "url": url, "view": "cooperatives.views", "message": "disimpan dari perangkat lain",
            "data": {"action": "save", "obstacles": "STALE-EDIT", "next_month_plan": ""},
            "row": lambda: MonthlyReport.objects.get(mentor=split.ba_mentor, month=month),
            "touch": lambda: services.report_save(actor=None, mentor=split.ba_mentor, month=month,
                                                  obstacles="Diubah orang lain", next_month_plan="")}


@stale_case
def regency_limits(split, admin_user, unit):
    regency = Regency.objects.get(pk=split.plan.regency_id)
    values = {"ba_target_min": 7, "ba_target_max": 15, "recency_amber_days": 20, "recency_red_days": 40,
              "report_due_day": 5, "ba_span_max_km": 30}
    return {"user": admin_user, "url": reverse("reporting:regency_limits", kwargs={"code": regency.code}),
            "view": "reporting.views", "message": "Tidak ada yang disimpan", "data": {**values, "report_due_day": 9},
            "row": lambda: OfficeSettings.of(Regency.objects.get(pk=regency.pk)),
            "touch": lambda: office_settings_update(actor=None, regency=Regency.objects.get(pk=regency.pk),
                                                    **{**values, "recency_amber_days": 21})}


@stale_case
def mentor_edit(split, admin_user, unit):
    from mentors.models import Mentor
    from mentors.services import mentor_update

    mentor = split.ba_mentor
    url = reverse("mentors:mentor_update", kwargs={"pk": mentor.pk})
    data = form_data(signed_in(admin_user).get(url).context["form"])
    return {"user": admin_user, "url": url, "view": "territories.mentor_views",
            "message": "telah mengubah data pendamping ini", "data": {**data, "notes": "STALE-EDIT"},
            "row": lambda: Mentor.objects.get(pk=mentor.pk),
            "touch": lambda: mentor_update(actor=None, mentor=mentor, notes="Diubah orang lain")}


@stale_case
def office_account(split, admin_user, unit):
    from mentors import services
    from mentors.models import Membership
    from tests.factories import MembershipFactory, UserFactory

    member = MembershipFactory(user=UserFactory(email="staf2@example.test"), regency_id=split.plan.regency_id,
                               role=Membership.Role.STAFF)
    url = reverse("mentors:office_account_role", kwargs={"code": member.regency.code, "pk": member.pk})
    return {"user": admin_user, "url": url, "view": "mentors.views", "message": "Orang lain telah mengubah akun ini",
            "data": {"role": "staff"}, "row": lambda: Membership.objects.get(pk=member.pk),
            "touch": lambda: services.office_account_set_role(actor=None, membership=member, role="admin")}


@stale_case
def plan_editor(split, admin_user, unit):
    from territories import services
    from territories.models import TerritoryPlan

    plan = services.plan_create(actor=None, regency=split.plan.regency, name="Draf")
    return {"user": admin_user, "url": reverse("territories:territory_create", kwargs={"pk": plan.pk}),
            "view": "territories.views", "message": "Admin lain telah mengubah draf ini",
            "data": {"kind": "ba", "name": "STALE-EDIT"}, "headers": {"HX-Request": "true"},
            "row": lambda: TerritoryPlan.objects.get(pk=plan.pk),
            "touch": lambda: services.territory_create(actor=None, plan=plan, version=plan.version, kind="ba",
                                                       name="Dibuat orang lain")}


@pytest.mark.parametrize("missing", [False, True], ids=["stale", "missing"])
@pytest.mark.parametrize("name", sorted(STALE_CASES))
def test_every_save_path_refuses_a_stale_or_missing_version_through_the_one_helper(
    name, missing, split, admin_user, unit, monkeypatch
):
    import importlib

    from toolkit import versions

    case = STALE_CASES[name](split, admin_user, unit)
    data = {key: value for key, value in case["data"].items() if key != "version"}
    if not missing:
        data["version"] = versions.content_version(case["row"]())  # the version the page showed…
        case["touch"]()  # …before someone else saved
    written = versions.content_version(case["row"]())
    answered = []
    view = importlib.import_module(case["view"])

    def helper(*args, **kwargs):
        answered.append(args)
        return versions.stale_edit_response(*args, **kwargs)

    monkeypatch.setattr(view, "stale_edit_response", helper)
    response = signed_in(case["user"]).post(case["url"], data, follow=True, headers=case.get("headers", {}))
    assert len(answered) == 1, "refused through toolkit.versions.stale_edit_response"
    assert response.status_code == 200 and case["message"] in response.text
    assert versions.content_version(case["row"]()) == written, "nothing written"
    assert "STALE-EDIT" not in response.text, "the page shows the current data, not the refused edit"


def test_internal_callers_without_a_version_are_not_checked_but_an_empty_one_is(unit):
    from cooperatives import services
    from toolkit.versions import StaleEdit, check_version

    seen = BusinessUnit.objects.get(pk=unit.pk)
    services.part_save(actor=None, cooperative=unit.cooperative, part=unit, values={"name": "Dari impor"})
    services.part_save(actor=None, cooperative=unit.cooperative, part=seen, values={"name": "Dari demo"})
    assert BusinessUnit.objects.get(pk=unit.pk).name == "Dari demo"
    with pytest.raises(StaleEdit):
        check_version(unit, "")


# --- a guard: the scheme stays one ----------------------------------------------------------------------

def stale_scheme_violations(root) -> list[str]:
    """Places outside toolkit/versions.py that compare `updated_at.isoformat()` or define (or alias) a Stale*
    exception of their own."""
    import ast
    from pathlib import Path

    found = []
    for path in sorted(Path(root).rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        if relative == "toolkit/versions.py" or relative.split("/")[0] in {"tests", ".venv", "node_modules"}:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Compare) and any(
                    isinstance(side, ast.Call) and isinstance(side.func, ast.Attribute)
                    and side.func.attr == "isoformat" and isinstance(side.func.value, ast.Attribute)
                    and side.func.value.attr == "updated_at" for side in [node.left, *node.comparators]):
                found.append(f"{relative}:{node.lineno} compares updated_at.isoformat()")
            names = ([node.name] if isinstance(node, ast.ClassDef) else
                     [t.id for t in node.targets if isinstance(t, ast.Name)] if isinstance(node, ast.Assign) else [])
            found += [f"{relative}:{node.lineno} defines {name}" for name in names if name.startswith("Stale")]
    return found


def test_no_module_has_a_stale_edit_scheme_of_its_own():
    from django.conf import settings

    assert stale_scheme_violations(settings.BASE_DIR) == []


def test_the_guard_finds_a_planted_violation(tmp_path):
    (tmp_path / "cooperatives").mkdir()
    (tmp_path / "cooperatives" / "services.py").write_text(
        "class StaleThing(Exception):\n    pass\n\n\nStaleAlias = StaleThing\n\n\n"
        "def save(current, version):\n    if current.updated_at.isoformat() != version:\n        raise StaleThing\n")
    (tmp_path / "toolkit").mkdir()
    (tmp_path / "toolkit" / "versions.py").write_text("class StaleEdit(Exception):\n    pass\n")
    assert stale_scheme_violations(tmp_path) == [
        "cooperatives/services.py:1 defines StaleThing",
        "cooperatives/services.py:5 defines StaleAlias",
        "cooperatives/services.py:9 compares updated_at.isoformat()",
    ]
