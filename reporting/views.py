"""The pages of figures: the dashboards by place, their Excel downloads, an office's limits, the maps and the
month-end recap."""

from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _
from django.views.decorators.gzip import gzip_page

from cooperatives import selectors as registry
from cooperatives.models import Cooperative
from mentors.access import access_for, require
from mentors.models import Mentor
from offices.documents import document_frame
from offices.forms import OfficeSettingsForm
from offices.models import OfficeSettings
from offices.services import office_settings_update
from regions.signals import past_changed
from territories import selectors as regions
from toolkit.spreadsheets import xlsx_response, xlsx_stream_response
from toolkit.versions import StaleEdit, content_version, stale_edit_response

from . import dashboards, maps
from . import recap as recaps
from .access import (
    can_set_limits_on,
    can_set_regency_limits,
    can_view_dashboard,
    can_view_recap,
    sees_own_area_only,
)
from .figures import cached_figures, figures_changed, figures_refresh


def _dashboard_context(request, place=None):
    """The figures of the dashboard's place, computed now (the exports, and the dashboard when not kept)."""
    access = access_for(request.user)
    place = place or dashboards.place_for(request.user, access, request.GET)
    today = timezone.localdate()
    if place.is_office:
        context = dashboards.office_dashboard(place, today, sort=request.GET.get("sort", ""))
    else:
        context = dashboards.mentor_dashboard(place.mentor, today)
        context["computed_at"] = timezone.now()
    context.update(place=place, today=today, access=access, can_set_limits=can_set_limits_on(request.user, place))
    _link_bas(request.user, context.get("recency_list") or [])
    return context


def _team_context(request) -> dict:
    """What the team sheet needs: the place and, for a PMO, their BAs' rows (nobody else has a team)."""
    place = dashboards.place_for(request.user, access_for(request.user), request.GET)
    today = timezone.localdate()
    team = None
    if place.mentor is not None and place.mentor.role == Mentor.Role.PMO:
        team = dashboards.team_rows(place.mentor, today)
    return {"place": place, "today": today, "team": team}


def _link_bas(user, rows) -> None:
    """The BA of each row gets a link to their page when the user may open it. (Everyone who sees a place may
    open the same BAs: an office its regency's, a PMO their team, a BA themselves; so the kept body holds.)"""
    openable = regions.mentor_ids_openable_by(user, {row["ba_id"] for row in rows})
    for row in rows:
        row["ba_url"] = reverse("mentors:mentor_detail", args=[row["ba_id"]]) if row["ba_id"] in openable else ""


def _chart_data(context) -> dict:
    """What the charts draw, passed to static/js/charts.js through json_script (the tables beside them hold
    the same figures)."""
    data = {
        "funnel": {"labels": [f"{row['number']}. {row['label']}" for row in context["funnel"]],
                   "values": [row["count"] for row in context["funnel"]],
                   "reached": [row["reached"] for row in context["funnel"]],
                   "names": {"values": _("at this stage"), "reached": _("reached at least this stage")}},
        "recency": {"labels": [row["label"] for row in context["recency"]],
                    "values": [row["count"] for row in context["recency"]]},
        "trend": {"labels": [date_format(row["month"], "M Y") for row in context["trend"]],
                  "visits": [row["visits"] for row in context["trend"]],
                  "stage_changes": [row["stage_changes"] for row in context["trend"]],
                  "names": {"visits": _("Visits"), "stage_changes": _("Stage changes")}},
    }
    if context.get("workload"):
        low, high = context["target"]
        data["workload"] = {"labels": [row["mentor"] or row["territory"] for row in context["workload"]],
                            "villages": [row["villages"] for row in context["workload"]],
                            "cooperatives": [row["cooperatives"] for row in context["workload"]],
                            "low": low, "high": high,
                            "names": {"villages": _("Villages"), "cooperatives": _("Cooperatives"),
                                      "low": _("fewest villages per BA"), "high": _("most villages per BA")}}
    return data


def dashboard(request):
    """The office's figures for a regency, a province or the nation; a PMO's or BA's for their own area. The
    page's body is kept as long as its figures (FIGURES_MAX_AGE): it is the same for everyone who sees the place
    (for a mentor: their own), and rendering it costs more than reading it."""
    access = access_for(request.user)
    place = dashboards.place_for(request.user, access, request.GET)
    sort = request.GET.get("sort", "")

    def body():
        context = _dashboard_context(request, place)
        context.update(charts=_chart_data(context), export_query=place.query())
        return render_to_string("reporting/_dashboard_body.html", context, request)

    regencies = ",".join(map(str, place.regency_ids)) if place.regency_ids else "all"  # a key without spaces
    who = f"mentor-{place.mentor.pk}" if place.mentor else f"{place.level}-{regencies}"
    limits = can_set_limits_on(request.user, place)
    key = f"dashboard:{who}:{place.query()}:{sort}:{limits}:{timezone.localdate():%Y-%m-%d}"
    return render(request, "reporting/dashboard.html", {"place": place, "access": access,
                                                         "body": cached_figures(key, body)})


def _breakdown_sheet(context):
    kind = context["breakdown_kind"]
    title = {"district": _("Districts"), "regency": _("Regencies"), "province": _("Provinces")}[kind]
    headers = [_("Code"), title, _("Villages"), _("Villages covered by a BA"), _("Coverage %"), _("BAs"),
               _("Cooperatives"), _("Operating"), _("Visits in 30 days"), _("Cooperatives visited in 30 days %"),
               _("Last visit"), _("Days since the last visit"), _("Overdue follow-ups")]
    rows = [[r["code"], r["name"], r["villages"], r["villages_covered"], r["coverage"], r["bas"], r["cooperatives"],
             r["stage_operating"], r["visits_30_days"], r["visited_share"], r["last_visit"], r["days_since_visit"],
             r["follow_ups_overdue"]] for r in context["breakdown"]]
    return title, headers, rows


def _export_sheets(context, table):
    """The dashboard's tables as workbook sheets, with the rows the page shows (recency: `_recency_sheets`)."""
    if table == "breakdown":
        return [_breakdown_sheet(context)]
    if table == "funnel":
        return [(_("Stages"), [_("Stage"), _("Cooperatives"), _("Reached at least this stage")],
                 [[f"{r['number']}. {r['label']}", r["count"], r["reached"]] for r in context["funnel"]])]
    if table == "trend":
        return [(_("Trend"), [_("Month"), _("Visits"), _("Cooperatives visited"), _("Stage changes")],
                 [[date_format(r["month"], "F Y"), r["visits"], r["cooperatives_visited"], r["stage_changes"]]
                  for r in context["trend"]])]
    if table == "workload" and context.get("workload") is not None:
        return [(_("Workload"), [_("Territory"), _("Business Assistant"), _("Villages"), _("Cooperatives"),
                                 _("Visits in 30 days"), _("Within the target range"),
                                 _("Visits with evidence this month"), _("Visits without evidence this month")],
                 [[r["territory"], r["mentor"], r["villages"], r["cooperatives"], r["visits_30_days"],
                   _("yes") if r["in_target"] else _("no"), r["evidence_with"], r["evidence_without"]]
                  for r in context["workload"]])]
    if table == "team" and context.get("team") is not None:
        return [(_("Team"), [_("Business Assistant"), _("Territory"), _("Villages"), _("Visits this month"),
                             _("Overdue follow-ups"), _("Last visit"), _("Report"),
                             _("Visits with evidence this month"), _("Visits without evidence this month")],
                 [[r["mentor"].full_name if r["mentor"] else "", r["territory"].name, r["villages"],
                   r["visits_month"], r["follow_ups_overdue"], r["last_visit"], r["report_status"],
                   r["evidence_with"], r["evidence_without"]]
                  for r in context["team"]])]
    raise Http404


def _recency_sheets(place, today):
    """Every cooperative of the place's recency list (a regency's office, or a mentor's own), as one sheet."""
    regency = place.regency
    if place.is_office:
        cooperatives = Cooperative.objects.filter(village__district__regency=regency)
    else:
        cooperatives = registry.mentor_cooperatives(place.mentor)
    rows = dashboards.recency_list(cooperatives, regency, today, limit=None)
    return [(_("Visit recency"), [_("Village"), _("District"), _("Business Assistant"), _("Last visit"),
                                  _("Days"), _("Status")],
             [[r["village"], r["district"], r["ba"], r["last_visit"], r["days"],
               _("red") if r["bucket"] == "red" else _("amber")] for r in rows])]


def _has_recency_list(place) -> bool:
    """The dashboards that show a recency list (and so export one): a regency's office's and a mentor's."""
    return place.level == "regency" or not place.is_office


def dashboard_export(request, table):
    """One dashboard table as a workbook, for the same place and order as the page. The recency list and a PMO's
    team sheet are computed alone, without the rest of the dashboard."""
    if table == "recency":
        place = dashboards.place_for(request.user, access_for(request.user), request.GET)
        today = timezone.localdate()
        if not _has_recency_list(place):
            raise Http404
        sheets = _recency_sheets(place, today)
    else:
        context = _team_context(request) if table == "team" else _dashboard_context(request)
        sheets = _export_sheets(context, table)
        place, today = context["place"], context["today"]
    slug = (place.regency.code if place.regency else place.province.code if place.province else "id")
    return xlsx_response(sheets, f"dashboard-{table}-{slug}-{today:%Y-%m-%d}.xlsx")


def regency_limits(request, code):
    """An office admin sets the regency's settings: targets, span, recency limits, report due day and evidence flags."""
    regency = regions.regency_get_for_user(request.user, code)
    require(can_set_regency_limits(request.user, regency.pk))
    limits = OfficeSettings.of(regency)
    # Taken before the form: a ModelForm writes the posted values onto its instance even when they are refused.
    saved_version = content_version(limits)
    form = OfficeSettingsForm(request.POST or None, instance=limits)
    if request.method == "POST" and form.is_valid():
        try:
            office_settings_update(actor=request.user, regency=regency, version=request.POST.get("version", ""),
                                   **form.cleaned_data)
        except StaleEdit:
            return stale_edit_response(request, _("Another admin changed these limits while you were editing. "
                                                  "Nothing was saved: the form now shows the current limits."),
                                       "reporting:regency_limits", code=regency.code)
        figures_refresh(regency_ids=[regency.pk])  # the recency buckets follow the new limits at once,
        figures_changed()  # and no dashboard kept with the old ones is shown again
        # The kept recap of last month holds its due day (whether unsent reports are late yet): computed again.
        past_changed(sender=OfficeSettings, regency_id=regency.pk,
                     first=registry.month_start(registry.month_start(timezone.localdate()) - timedelta(days=1)))
        messages.success(request, _("The limits of %(regency)s are saved.") % {"regency": regency.name})
        return redirect(f"{reverse('reporting:dashboard')}?regency={regency.code}")
    version = request.POST.get("version", "") if request.method == "POST" else saved_version
    return render(request, "reporting/regency_limits.html", {"regency": regency, "form": form, "version": version})


# --- maps ---------------------------------------------------------------------------------------------


def map_page(request):
    """The villages of a regency (or a mentor's area) coloured by territory, stage or visit recency."""
    access = access_for(request.user)
    place = dashboards.place_for(request.user, access, request.GET)
    context = {"place": place, "colour": request.GET.get("colour", "territory"),
               "now_time": date_format(timezone.localtime(), "H:i")}
    if context["colour"] not in maps.COLOURINGS:
        context["colour"] = "territory"
    if place.level in ("nation", "province", "offices"):
        context["breakdown_kind"], context["breakdown"] = dashboards.breakdown(place, timezone.localdate())
    else:
        context["source"] = "?" + (f"regency={place.regency.code}" if place.is_office else "")
        context["has_geometry"] = regions.regency_has_coordinates(place.regency)
    return render(request, "reporting/map.html", context)


@gzip_page  # half a megabyte of outlines for a regency; the data holds no secret a compression attack could read
def map_data(request):
    """JSON for static/js/map.js: `?regency=`, `?district=` or `?plan=`; a mentor's own villages by default."""
    access = access_for(request.user)
    require(can_view_dashboard(request.user))
    plan = None
    if request.GET.get("plan"):
        if not request.GET["plan"].isdigit():
            raise Http404
        plan = regions.plan_get_for_user(request.user, request.GET["plan"])
        regency, villages = plan.regency, maps.map_villages(request.user, regency=plan.regency)
    elif request.GET.get("district"):
        district = regions.district_get_for_user(request.user, request.GET["district"])
        regency, villages = district.regency, maps.map_villages(request.user, regency=district.regency,
                                                                 district=district)
    elif request.GET.get("regency"):
        regency = regions.regency_get_for_user(request.user, request.GET["regency"])
        villages = maps.map_villages(request.user, regency=regency)
    elif sees_own_area_only(request.user):
        regency = access.mentor.regency
        villages = maps.map_villages(request.user, regency=regency)
    else:
        raise Http404
    data = maps.map_data(villages, regency=regency, today=timezone.localdate(), plan=plan)
    data["tiles"] = {"url": settings.MAP_TILE_URL, "attribution": settings.MAP_TILE_ATTRIBUTION}
    response = JsonResponse(data)
    response["Cache-Control"] = "private, max-age=60"
    return response


def _recap_place(request, regencies):
    """The place of the recap page from `?regency=` or `?province=` within the user's regencies (404 outside them):
    (level, regency, province, regency ids). Without either: the user's one regency, the one province of their
    regencies, or the nation (a superuser's, or an office's several provinces)."""
    code = str(request.GET.get("regency", "") or request.GET.get("province", ""))[:13]
    if "regency" in request.GET:
        regency = regencies.filter(code=code).select_related("province").first()
        if regency is None:
            raise Http404
        return "regency", regency, regency.province, [regency.pk]
    if "province" in request.GET:
        chosen = list(regencies.filter(province__code=code).select_related("province").order_by("code"))
        if not chosen:
            raise Http404
        return "province", None, chosen[0].province, [r.pk for r in chosen]
    held = list(regencies.order_by("code").values_list("pk", "province_id"))
    access = access_for(request.user)
    if held and len(access.reader_province_ids) == 1 and not (access.office_regency_ids or access.sees_everything):
        # A province reader starts on their province's table, however few regencies it holds.
        regency = regencies.select_related("province").get(pk=held[0][0])
        return "province", None, regency.province, [pk for pk, _p in held]
    if len(held) == 1:
        regency = regencies.select_related("province").get(pk=held[0][0])
        return "regency", regency, regency.province, [regency.pk]
    if len({province for _pk, province in held}) == 1 and not access.sees_everything:
        regency = regencies.select_related("province").get(pk=held[0][0])
        return "province", None, regency.province, [pk for pk, _p in held]
    return "nation", None, None, [pk for pk, _p in held]


def recap(request):
    """The office's month-end recap, to print with its signature block or to download as Excel (`?format=xlsx`):
    the nation's table of provinces (a superuser's first page), a province's table of regencies (`?province=`), a
    regency's figures and BAs (`?regency=`; an office's first page). The tables sum the regencies' kept rows; a
    large place's workbook is streamed as it is written."""
    require(can_view_recap(request.user))
    access = access_for(request.user)
    month = registry.month_from_text(request.GET["month"]) if request.GET.get("month") else registry.month_start(
        registry.month_start(timezone.localdate()) - timedelta(days=1))
    regencies = regions.regencies_visible_to(request.user).filter(access.office_scope(""))
    level, regency, province, ids = _recap_place(request, regencies)
    place = regency.name if regency else province.name if province else _("Indonesia")
    slug = regency.code if regency else province.code if province else "nasional"
    download = request.GET.get("format") == "xlsx"
    if level == "regency":
        figures = recaps.regency_recap(regency, month, full=download)
        if download:
            return xlsx_stream_response(recaps.recap_rows(figures), f"rekap-{month:%Y-%m}-{slug}.xlsx")
    else:
        figures = recaps.table_recap(ids, month, by="regency" if level == "province" else "province")
        if download:
            return xlsx_stream_response(recaps.table_sheets(figures, ids, month), f"rekap-{month:%Y-%m}-{slug}.xlsx")
    where = {"regency": {"regency": slug}, "province": {"province": slug}}.get(level, {})
    if access.sees_everything:
        sees_nation = sees_province = True
    else:
        provinces = list(regencies.values_list("province_id", flat=True))
        sees_nation, sees_province = len(set(provinces)) > 1, len(provinces) > 1
    return render(request, "reporting/recap.html", {
        "figures": figures, "month": month, "place": place, "level": level, "regency": regency,
        # The one office whose recap this is signs it; a province's or the nation's table has no letterhead.
        "frame": document_frame(request.user, regency) if regency else None,
        "province": province, "sees_nation": sees_nation, "sees_province": sees_province,
        "where": urlencode(where), "query": urlencode({**where, "month": f"{month:%Y-%m}", "format": "xlsx"}),
        "previous": registry.month_start(month - timedelta(days=1)), "following": registry.next_month(month),
    })
