"""Pages of the cooperative registry, mentoring visits, follow-ups and monthly reports."""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mentors.access import access_for, require
from mentors.models import Mentor
from mentors.selectors import regencies_managed_by
from territories import coverage
from territories import selectors as scope
from toolkit.spreadsheets import IMPORT_REQUEST_MAX_BYTES, ImportFlow, SpreadsheetError, export_refusal, xlsx_response
from toolkit.uploads import accepts_upload
from toolkit.versions import StaleEdit, content_version, stale_edit_response

from . import evidence, handovers, reports, selectors, services
from .access import (
    can_correct_visit,
    can_edit_cooperative,
    can_export_registry,
    can_hand_over,
    can_import_cooperatives,
    can_list_follow_ups,
    can_list_pmo_reports,
    can_list_report_statuses,
    can_record_visit,
    can_record_visits,
    can_review_report,
    can_view_reports,
    can_write_handover_note,
    can_write_report,
    lists_office_follow_ups,
)
from .filters import CooperativeFilter
from .forms import (
    BoardForm,
    CooperativeForm,
    CooperativeImportForm,
    FinancingForm,
    FollowUpFormSet,
    HandoverStartForm,
    InstalmentPaymentForm,
    LandForm,
    MemberCountForm,
    ReportForm,
    ReviewForm,
    UnitForm,
    VisitForm,
)
from .models import (
    BoardMember,
    BusinessUnit,
    FinancingProposal,
    Instalment,
    LandPlot,
    MemberCount,
    MonthlyReport,
    Stage,
    VisitFile,
)
from .months import month_needing_work

IMPORT = ImportFlow(key="cooperative_import", sheet=services.COOPERATIVE_SHEET)


def _registry_filter(request):
    districts = scope.districts_visible_to(request.user).order_by("name")
    bas = scope.mentors_visible_to(request.user).filter(role=Mentor.Role.BA).order_by("full_name")
    queryset = selectors.registry_for(request.user).prefetch_related(
        Prefetch("units", queryset=BusinessUnit.objects.order_by("kind", "name")))
    regencies = scope.regencies_visible_to(request.user).only("id", "name")
    return CooperativeFilter(request.GET, queryset=queryset, regencies=regencies, districts=districts, bas=bas)


def cooperative_list(request):
    registry = _registry_filter(request)
    page_obj = Paginator(registry.qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"filter": registry, "page_obj": page_obj, "can_import": can_import_cooperatives(request.user),
               "can_export": can_export_registry(request.user),
               "can_reconcile": access_for(request.user).is_office}  # the office compares with SIMKOPDES
    fragment = request.htmx and not request.htmx.boosted
    return render(request, "cooperatives/_cooperative_table.html" if fragment else "cooperatives/cooperative_list.html",
                  context)


def cooperative_export(request):
    require(can_export_registry(request.user))
    registry = _registry_filter(request)
    refused = export_refusal(request, registry, reverse("cooperatives:cooperative_list"))
    if refused is not None:
        return refused
    headers = selectors.registry_export_headers()
    rows = selectors.registry_export_rows(registry.qs)
    return xlsx_response([(_("Cooperatives"), headers, rows)], f"koperasi-{timezone.localdate():%Y%m%d}.xlsx")


VISITS_PER_PAGE = 20


def cooperative_detail(request, pk):
    cooperative = selectors.cooperative_get_for_user(request.user, pk)
    visits_page = Paginator(selectors.cooperative_visits(cooperative), VISITS_PER_PAGE).get_page(
        request.GET.get("page"))
    visits = list(visits_page)
    for visit in visits:
        visit.cooperative = cooperative  # the predicates read the regency through it
    context = {
        "cooperative": cooperative,
        **selectors.record_parts(cooperative),
        "units": list(cooperative.units.all()),
        "stage_changes": list(cooperative.stage_changes.select_related("recorded_by")),
        "history": selectors.village_history_for(request.user, cooperative.village),
        "visits": visits, "visits_page": visits_page,
        "open_follow_ups": list(selectors.cooperative_open_follow_ups(cooperative)),
        "handovers": handovers.cooperative_handovers(cooperative),
        **_leavers_note(request.user, cooperative),
        "can_edit": can_edit_cooperative(request.user, cooperative),
        "can_record": can_record_visit(request.user, cooperative),
        "correctable": {v.pk for v in visits if can_correct_visit(request.user, v)},
        "locked": selectors.locked_visits(visits),
        "today": timezone.localdate(),
        "stages": [(value, Stage.label_for(value, cooperative.village.kind), index < cooperative.stage_number)
                   for index, value in enumerate(Stage.values)],
    }
    return render(request, "cooperatives/cooperative_detail.html", context)


def _leavers_note(user, cooperative) -> dict:
    """The leaving mentor's note form on their cooperative's page, while their handover is a draft."""
    handover = handovers.draft_handover_of(access_for(user).mentor)
    if not can_write_handover_note(user, cooperative, handover):
        return {}
    item = handover.items.filter(cooperative=cooperative).first()
    return {"leaving": handover, "leavers_note": item.note if item else "", "note_max": handovers.NOTE_MAX}


@require_POST
def handover_note(request, pk):
    """The leaving mentor writes (or clears) the note their successor reads on this cooperative."""
    cooperative = selectors.cooperative_get_for_user(request.user, pk)
    handover = handovers.draft_handover_of(access_for(request.user).mentor)
    require(can_write_handover_note(request.user, cooperative, handover))
    try:
        handovers.handover_note_write(actor=request.user, handover=handover, cooperative=cooperative,
                                      note=request.POST.get("note", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Handover note saved: your successor reads it here from %(day)s.")
                         % {"day": date_format(handover.effective_from, "j F Y")})
    return redirect(f"{cooperative.get_absolute_url()}#handover")


def cooperative_update(request, pk):
    cooperative = selectors.cooperative_get_for_editor(request.user, pk)
    form = CooperativeForm(request.POST or None, instance=cooperative)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in services.RECORD_FIELDS}
        others = [part for part in form.cleaned_data["other_units"].split(",") if part.strip()]
        try:
            services.cooperative_update(actor=request.user, cooperative=cooperative,
                                        version=form.cleaned_data["version"], units=form.cleaned_data["units"],
                                        other_units=others, stage_reached_on=form.cleaned_data["stage_reached_on"],
                                        stage_reason=form.cleaned_data["stage_reason"], **data)
        except StaleEdit:
            return stale_edit_response(request, _("Someone else changed this cooperative while you were editing. "
                                                  "Your changes were not saved: the form now shows the current data."),
                                       "cooperatives:cooperative_update", pk=cooperative.pk)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(cooperative)
    return render(request, "cooperatives/cooperative_form.html", {
        "form": form, "cooperative": cooperative, "part_titles": list(selectors.PART_TITLES.items()),
        "banks": selectors.BANKS})


# --- the parts of the record: units, financing, land, board, members over time ------------------------------

PARTS = {
    "units": (BusinessUnit, UnitForm),
    "financing": (FinancingProposal, FinancingForm),
    "land": (LandPlot, LandForm),
    "board": (BoardMember, BoardForm),
    "members": (MemberCount, MemberCountForm),
}


def cooperative_part(request, pk, part):
    """One part of the record to keep up to date, from an office desk or a phone in the field: the list, and a
    form to add one (or, with `?edit=<id>`, to change one)."""
    cooperative = selectors.cooperative_get_for_editor(request.user, pk)
    model, form_class = PARTS[part]
    title = selectors.PART_TITLES[part]
    editing = request.POST.get("id") or request.GET.get("edit")
    instance = get_object_or_404(model, cooperative=cooperative, pk=editing) if str(editing or "").isdigit() \
        else model(cooperative=cooperative)
    if editing and not str(editing).isdigit():
        raise Http404
    form = form_class(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            services.part_save(actor=request.user, cooperative=cooperative, part=instance, values=values,
                               version=request.POST.get("version", "") if instance.pk else None)
        except StaleEdit:
            return stale_edit_response(request, _("Someone else changed or deleted this entry while you were "
                                                  "editing. Nothing was saved: the list shows it as it is now."),
                                       "cooperatives:cooperative_part", pk=cooperative.pk, part=part)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("cooperatives:cooperative_part", pk=cooperative.pk, part=part)
    version = request.POST.get("version", "") if request.method == "POST" else (
        content_version(instance) if instance.pk else "")
    context = {"cooperative": cooperative, "part": part, "title": title, "form": form, "editing": instance.pk,
               "version": version,
               **selectors.record_parts(cooperative), "can_edit": True}
    if part == "land":  # the point is picked on a map (static/js/map.js) or from the phone's location
        context["map_tiles"] = {"url": settings.MAP_TILE_URL, "attribution": settings.MAP_TILE_ATTRIBUTION}
    return render(request, "cooperatives/part.html", context)


@require_POST
def cooperative_part_delete(request, pk, part, part_pk):
    cooperative = selectors.cooperative_get_for_editor(request.user, pk)
    model = PARTS[part][0]
    instance = get_object_or_404(model, cooperative=cooperative, pk=part_pk)
    try:
        services.part_delete(actor=request.user, cooperative=cooperative, part=instance,
                             version=request.POST.get("version", ""))
    except StaleEdit:
        return stale_edit_response(request, _("Someone else changed this entry after you opened the page. Nothing "
                                              "was deleted: check it as it is now."),
                                   "cooperatives:cooperative_part", pk=cooperative.pk, part=part)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Deleted; the record keeps its history."))
    return redirect("cooperatives:cooperative_part", pk=cooperative.pk, part=part)


@require_POST
def instalment_pay(request, pk, instalment_pk):
    """Record a payment of a loan's instalment (what keeps its arrears visible)."""
    cooperative = selectors.cooperative_get_for_editor(request.user, pk)
    instalment = get_object_or_404(Instalment, proposal__cooperative=cooperative, pk=instalment_pk)
    form = InstalmentPaymentForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(m) for errors in form.errors.values() for m in errors))
    else:
        try:
            services.instalment_pay(actor=request.user, cooperative=cooperative, instalment=instalment,
                                    **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Payment recorded."))
    return redirect(reverse("cooperatives:cooperative_part", args=[cooperative.pk, "financing"])
                    + f"#instalments-{instalment.proposal_id}")


# --- visits ---------------------------------------------------------------------------------------


def _follow_ups(formset):
    return [(f.cleaned_data["action"], f.cleaned_data["due_date"]) for f in formset.forms
            if f.cleaned_data.get("action")]


@accepts_upload(settings.VISIT_REQUEST_MAX_BYTES)
def visit_create(request, pk=None):
    """Record a visit: quick on a phone. From a cooperative page, or choosing one of the mentor's cooperatives."""
    cooperative = selectors.cooperative_get_for_user(request.user, pk) if pk else None  # 404 outside the scope
    require(can_record_visit(request.user, cooperative) if cooperative else can_record_visits(request.user))
    mentor = access_for(request.user).mentor
    choices = None if cooperative else selectors.mentor_cooperatives(mentor).order_by("village__name")
    form = VisitForm(request.POST or None, request.FILES or None, cooperatives=choices)
    formset = FollowUpFormSet(request.POST or None, prefix="follow")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        target = cooperative or form.cleaned_data["cooperative"]
        data = form.cleaned_data
        try:
            visit = services.visit_create(actor=request.user, mentor=mentor, cooperative=target, date=data["date"],
                                          mode=data["mode"], focus_areas=data["focus_areas"],
                                          summary=data["summary"], follow_ups=_follow_ups(formset),
                                          member_count=data.get("member_count"), files=data["files"],
                                          submission=data["submission"],
                                          **{name: data[name] for name in services.VISIT_DETAILS})
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if _from_field_app(request):  # sent from the phone's store: it forgets the visit on this answer
                if request.headers.get("X-Field-Now") == "1":  # just saved: its page opens next and says so
                    messages.success(request, _("Visit recorded."))
                return JsonResponse({"url": visit.get_absolute_url()}, status=201)
            messages.success(request, _("Visit recorded."))
            return redirect(visit.get_absolute_url())
    if request.method == "POST" and _from_field_app(request):
        return JsonResponse({"errors": _form_errors(form, formset)}, status=400)
    return render(request, "cooperatives/visit_form.html",
                  {"form": form, "formset": formset, "cooperative": cooperative})


def _from_field_app(request) -> bool:
    """A visit kept on the phone and sent by the field app (static/js/field.js) asks for an answer in JSON."""
    return request.headers.get("X-Field-App") == "1"


def _form_errors(form, *formsets) -> list[str]:
    """The refusal in words the mentor can act on: "Field: message"."""
    errors = []
    for each in [form, *(f for formset in formsets for f in formset.forms)]:
        for name, messages_ in each.errors.items():
            label = each.fields[name].label if name in each.fields else ""
            errors += [f"{label}: {message}" if label else str(message) for message in messages_]
    for formset in formsets:
        errors += [str(message) for message in formset.non_form_errors()]
    return errors


@accepts_upload(settings.VISIT_REQUEST_MAX_BYTES)
def visit_update(request, pk):
    visit = selectors.visit_get_for_editor(request.user, pk)
    locked = selectors.visit_locked_by(visit)
    if locked is not None:  # said before the form opens, not after it is filled in
        messages.error(request, _("This visit is in the monthly report for %(month)s, which has been submitted: it "
                                  "can no longer be corrected. Ask the reviewer to return the report first.")
                       % {"month": date_format(locked.month, "F Y")})
        return redirect(visit.get_absolute_url())
    initial = {"date": visit.date, "mode": visit.mode, "focus_areas": visit.focus_areas, "summary": visit.summary,
               "version": content_version(visit),
               **{name: getattr(visit, name) for name in services.VISIT_DETAILS}}
    form = VisitForm(request.POST or None, request.FILES or None, initial=initial)
    form.fields.pop("member_count")  # counted when the visit is recorded; later counts go on the members page
    formset = FollowUpFormSet(request.POST or None, prefix="follow")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data = form.cleaned_data
        try:
            services.visit_update(actor=request.user, visit=visit, date=data["date"], mode=data["mode"],
                                  focus_areas=data["focus_areas"], summary=data["summary"],
                                  follow_ups=_follow_ups(formset), version=data["version"],
                                  **{name: data[name] for name in services.VISIT_DETAILS})
            if data["files"]:
                services.visit_files_add(actor=request.user, visit=visit, files=data["files"])
        except StaleEdit:
            return stale_edit_response(request, _("Someone else changed this visit while you were editing. Your "
                                                  "changes were not saved: the form now shows the current visit."),
                                       "cooperatives:visit_update", pk=visit.pk)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Visit corrected."))
            return redirect(visit.get_absolute_url())
    return render(request, "cooperatives/visit_form.html",
                  {"form": form, "formset": formset, "cooperative": visit.cooperative, "visit": visit})


def follow_up_list(request):
    require(can_list_follow_ups(request.user))
    if lists_office_follow_ups(request.user):  # the office reads its regencies' follow-ups
        page_obj = Paginator(selectors.office_open_follow_ups(request.user), settings.PAGE_SIZE).get_page(
            request.GET.get("page"))
        return render(request, "cooperatives/follow_up_list.html",
                      {"follow_ups": page_obj, "page_obj": page_obj, "office": True, "today": timezone.localdate()})
    mentor = access_for(request.user).mentor
    follow_ups = list(selectors.open_follow_ups(mentor)[:200])
    return render(request, "cooperatives/follow_up_list.html",
                  {"follow_ups": follow_ups, "today": timezone.localdate()})


@require_POST
def follow_up_done(request, pk):
    follow_up = selectors.follow_up_get_for_user(request.user, pk)
    services.follow_up_done(actor=request.user, follow_up=follow_up)
    messages.success(request, _("Follow-up marked as done."))
    back = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    return redirect(back if back and safe else "cooperatives:follow_up_list")


# --- monthly reports ------------------------------------------------------------------------------


def report_list(request):
    require(can_view_reports(request.user))
    access = access_for(request.user)
    if not can_list_report_statuses(request.user):  # a BA: their own reports
        own = list(MonthlyReport.objects.filter(mentor=access.mentor).select_related("mentor__regency")
                   .order_by("-month"))
        for report in own:
            report.late = reports.lateness(report.status, report.mentor.regency, report.month,
                                           sent_late=report.sent_late)
        return render(request, "cooperatives/report_list_ba.html", {
            "reports": own, "mentor": access.mentor, "current": month_needing_work(request.user),
            "running": selectors.month_start(timezone.localdate()),  # this month's report can be started any day
        })
    month = (selectors.month_from_text(request.GET["month"]) if request.GET.get("month")
             else month_needing_work(request.user))
    sees_pmo_reports = can_list_pmo_reports(request.user)
    pmo = selectors.report_pmo_get_for_user(request.user, request.GET.get("pmo"))
    regency = str(request.GET.get("regency", ""))[:13]  # a code; outside the user's scope it narrows to nothing
    rows = selectors.report_rows(request.user, month, pmo, regency)
    if request.GET.get("format") == "xlsx":
        return _report_list_workbook(month, rows, selectors.pmo_report_rows(request.user, month, regency)
                                     if sees_pmo_reports else [])
    page_obj = Paginator(rows, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    for mentor in page_obj:
        mentor.late = reports.lateness(mentor.report_status, mentor.regency, month,
                                       sent_late=bool(mentor.report_sent_late))
    # A page of PMOs; above a regency (1,028 nationally) the rest are reached by choosing a regency.
    pmo_rows = list(selectors.pmo_report_rows(request.user, month, regency)[:settings.PAGE_SIZE + 1]
                    ) if sees_pmo_reports else []
    more_pmos = len(pmo_rows) > settings.PAGE_SIZE
    pmo_rows = pmo_rows[:settings.PAGE_SIZE]
    for mentor in pmo_rows:
        mentor.late = reports.lateness(mentor.report_status, mentor.regency, month,
                                       sent_late=bool(mentor.report_sent_late))
    previous = selectors.month_start(month - timedelta(days=1))
    return render(request, "cooperatives/report_list.html", {
        "page_obj": page_obj, "month": month, "pmo_rows": pmo_rows, "more_pmos": more_pmos,
        "is_office": sees_pmo_reports,
        "own_pmo_report": access.mentor if access.is_pmo else None,
        "counts": selectors.report_status_counts(request.user, month, pmo, regency),
        "previous": previous, "following": selectors.next_month(month), "pmo": pmo, "regency": regency,
    })


def _report_list_workbook(month, rows, pmo_rows):
    """The report list as a workbook: BAs (and, for the office, PMOs) with status, lateness and visits."""
    from .templatetags.reports import report_status

    said = {"sent": _("late, sent"), "unsent": _("late, not sent"), "": _("no")}

    def sheet(mentors, with_visits):
        return [[m.full_name, m.regency.name, str(report_status(m.report_status)),
                 said[reports.lateness(m.report_status, m.regency, month, sent_late=bool(m.report_sent_late))]]
                + ([m.visit_count or 0] if with_visits else []) for m in mentors]

    headers = [_("Name"), _("Regency"), _("Report"), _("Late")]
    sheets = [(_("BA reports"), headers + [_("Visits")], sheet(rows, True))]
    if pmo_rows:
        sheets.append((_("PMO reports"), headers, sheet(pmo_rows, False)))
    return xlsx_response(sheets, f"laporan-{month:%Y-%m}.xlsx")


def _report_context(request, mentor_pk, month_text):
    mentor = selectors.report_mentor_get_for_user(request.user, mentor_pk)
    month = selectors.month_from_text(month_text)
    report = selectors.report_or_new(mentor, month)
    is_author = can_write_report(request.user, mentor)
    reviewer = coverage.reviewer_of(mentor, month)
    is_reviewer = can_review_report(request.user, mentor, month, reviewer=reviewer)
    context = {
        "mentor": mentor, "month": month, "report": report, "reviewer": reviewer,
        "is_pmo_report": mentor.role == Mentor.Role.PMO,
        "is_author": is_author, "is_reviewer": is_reviewer,
        "can_write": is_author and report.status in (MonthlyReport.Status.DRAFT, MonthlyReport.Status.RETURNED),
        "can_review": is_reviewer and report.status == MonthlyReport.Status.SUBMITTED,
        "due": reports.due_date(mentor.regency, month),
        "late": reports.lateness(report.status if report.pk else None, mentor.regency, month,
                                 sent_late=report.sent_late),
    }
    if mentor.role == Mentor.Role.PMO:
        context["pmo"] = reports.pmo_compilation(mentor, month)
        if context["can_write"]:  # named before sending: the team's reports it would go without
            context["open_reports"] = reports.pmo_open_reports(mentor, month, context["pmo"])
            context["open_groups"] = [(state, rows) for state in ("waiting", "returned", "missing") if (
                rows := [row for row in context["open_reports"] if row["state"] == state])]
    else:
        context.update(selectors.report_compilation(mentor, month))
        # Once sent, the report shows the cooperatives as they stood then; a draft shows them as they stand. Either
        # way in the reader's language.
        context["snapshot"] = reports.snapshot_in_language(report.snapshot or reports.ba_snapshot(mentor, month))
    context.update(_openable(request.user, context))
    if mentor.role == Mentor.Role.PMO:
        context["pmo_rows"], context["pmo_totals"] = _pmo_rows(context)
    return context


PMO_ROW_FIGURES = ("villages", "visits", "visited", "opened", "closed", "obstacles")


def _pmo_rows(context) -> tuple[list[dict], dict]:
    """The BA rows of a PMO report as the page shows them (from its snapshot once sent, else as compiled now), each
    with its links where the reader may open the BA: built here once, not cell by cell in the template."""
    snapshot = context["report"].snapshot or {}
    if snapshot.get("bas"):
        rows, totals = snapshot["bas"], snapshot["totals"]
    else:
        rows = [{**row, "id": row["ba"].pk, "name": row["ba"].full_name} for row in context["pmo"]["ba_rows"]]
        totals = context["pmo"]["totals"]
    month = f"{context['month']:%Y-%m}"
    shown = []
    for row in rows:
        ba_id, openable = row.get("id"), row.get("id") in context["openable_mentors"]
        shown.append({
            "name": row.get("name") or "", "status": row.get("status") or "", "late": row.get("late") or "",
            "url": reverse("mentors:mentor_detail", args=[ba_id]) if openable else "",
            "report_url": reverse("cooperatives:report_detail", args=[ba_id, month]) if openable else "",
            **{key: row[key] for key in PMO_ROW_FIGURES if key in row}})
    return shown, totals


def _openable(user, context) -> dict:
    """The records named in a report that the reader may open, as ids: their names are links (two queries)."""
    mentor_ids = {context["mentor"].pk, getattr(context["reviewer"], "pk", None)}
    cooperative_ids = set()
    if context["is_pmo_report"]:
        mentor_ids |= {row["ba"].pk for row in context["pmo"]["ba_rows"]}
        mentor_ids |= {row.get("id") for row in (context["report"].snapshot or {}).get("bas", [])}
    else:
        cooperative_ids |= {entry["cooperative"].pk for entry in context["by_cooperative"]}
        cooperative_ids |= {row["cooperative"].pk for row in context["members"]}
        cooperative_ids |= {row.get("id") for row in context["snapshot"].get("cooperatives", [])}
    cooperative_ids.discard(None)
    return {"openable_mentors": scope.mentor_ids_openable_by(user, mentor_ids),
            "openable_cooperatives": set(selectors.cooperatives_visible_to(user).filter(pk__in=cooperative_ids)
                                         .values_list("pk", flat=True)) if cooperative_ids else set()}


def report_detail(request, mentor_pk, month):
    context = _report_context(request, mentor_pk, month)
    report = context["report"]
    form = ReportForm(request.POST or None, initial={"obstacles": report.obstacles,
                                                     "next_month_plan": report.next_month_plan,
                                                     "send_reason": report.send_reason},
                      pmo=context["is_pmo_report"], open_reports=bool(context.get("open_reports")))
    action = request.POST.get("action")
    review = ReviewForm(request.POST if action in ("accept", "return") else None, returning=action == "return")
    if request.method == "POST":
        try:
            if action in ("save", "submit"):
                require(context["is_author"])
                if form.is_valid():
                    services.report_save(actor=request.user, mentor=context["mentor"], month=context["month"],
                                         submit=action == "submit", version=request.POST.get("version", ""),
                                         **form.cleaned_data)
                    messages.success(request, _("Report submitted.") if action == "submit" else _("Report saved."))
                    return redirect("cooperatives:report_detail", mentor_pk=context["mentor"].pk, month=month)
            elif action in ("accept", "return"):
                require(context["is_reviewer"])
                if review.is_valid():
                    if not report.pk:
                        raise services.ReportError(_("Only a submitted report can be accepted or returned."))
                    services.report_review(actor=request.user, report=report, accept=action == "accept",
                                           comment=review.cleaned_data["comment"])
                    messages.success(request, _("Report accepted.") if action == "accept"
                                     else _("Report returned."))
                    return redirect("cooperatives:report_detail", mentor_pk=context["mentor"].pk, month=month)
            else:
                require(False)
        except services.ReportError as error:
            messages.error(request, str(error))
        except StaleEdit:
            return stale_edit_response(request, _("This report was saved from another device while you were "
                                                  "writing. Nothing was saved: the form now shows the saved text; add "
                                                  "your changes again."),
                                       "cooperatives:report_detail", mentor_pk=context["mentor"].pk, month=month)
    version = request.POST.get("version", "") if request.method == "POST" else (
        content_version(report) if report.pk else "")
    if not context["is_pmo_report"]:  # each visit's photos beside it, with what its reviewer should look at
        context["evidence"] = evidence.visits_evidence(context["visits"], regency=context["mentor"].regency)
    if context["is_reviewer"] and not context["can_review"]:  # reviewed (or not sent): on to the next one
        context["next_report"] = selectors.next_report_to_review(request.user, after=report)
    return render(request, "cooperatives/report_detail.html", {**context, "form": form, "review": review,
                                                               "version": version})


def report_print(request, mentor_pk, month):
    return render(request, "cooperatives/report_print.html", _report_context(request, mentor_pk, month))


def visit_file(request, pk):
    """A photo or document of a visit, only for those who see the visit's cooperative (404 for anyone else):
    files have no public URL."""
    record = selectors.visit_file_get_for_user(request.user, pk)
    stored = record.thumbnail if request.GET.get("thumb") and record.thumbnail else record.file
    try:
        handle = stored.open("rb")
    except (FileNotFoundError, OSError) as error:
        raise Http404 from error
    photo = record.kind == VisitFile.Kind.PHOTO
    response = FileResponse(handle, content_type="image/jpeg" if photo else "application/pdf",
                            as_attachment=not photo, filename=record.name if not photo else None)
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- import ---------------------------------------------------------------------------------------


@accepts_upload(IMPORT_REQUEST_MAX_BYTES)
def cooperative_import(request):
    require(can_import_cooperatives(request.user))
    form = CooperativeImportForm(request.POST or None, request.FILES or None,
                                 regencies=regencies_managed_by(request.user))
    context = {"form": form}
    if request.method == "POST" and form.is_valid():
        regency = form.cleaned_data["regency"]
        try:
            preview, token = IMPORT.preview(
                request, form.cleaned_data["file"],
                lambda rows: services.cooperatives_import_check(regency=regency, rows=rows),
                max_rows=services.cooperative_import_max_rows(regency), regency=regency.pk)
        except SpreadsheetError as error:
            form.add_error("file", str(error))
        else:
            context.update(preview=preview, token=token, regency=regency)
    return render(request, "cooperatives/cooperative_import.html", context)


@require_POST
@transaction.atomic  # the preview's token is recorded with the rows it applies: exactly once
def cooperative_import_apply(request):
    require(can_import_cooperatives(request.user))
    pending = IMPORT.take(request)
    if pending is None:
        return redirect("cooperatives:cooperative_import")
    regency = get_object_or_404(regencies_managed_by(request.user), pk=pending["regency"])
    preview = services.cooperatives_import_apply(actor=request.user, regency=regency, rows=pending["rows"])
    if preview.errors:
        messages.error(request, _("Nothing was imported: the registry changed since the preview."))
        form = CooperativeImportForm(regencies=regencies_managed_by(request.user))
        return render(request, "cooperatives/cooperative_import.html", {"form": form, "preview": preview})
    messages.success(request, _("Import done: %(create)d added, %(update)d updated, %(unchanged)d unchanged.")
                     % preview.summary)
    return redirect("cooperatives:cooperative_list")


# --- handovers (serah terima) -----------------------------------------------------------------------------


def handover_list(request):
    """The office's handovers, and the first step of a new one (who leaves, the last day, to whom)."""
    require(can_hand_over(request.user))
    form = HandoverStartForm(request.POST or None, mentors=handovers.leavers_for(request.user),
                             pmo_choices=handovers.pmo_choices_for(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            handover = handovers.handover_start(actor=request.user, leaver=data["leaver"], last_day=data["last_day"],
                                                successor=data["successor"], becomes_pmo_of=data["becomes_pmo_of"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("cooperatives:handover_detail", pk=handover.pk)
    page_obj = Paginator(handovers.handovers_visible_to(request.user), settings.PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "cooperatives/handover_list.html",
                  {"form": form, "handovers": page_obj, "page_obj": page_obj})


def _posted_notes(request, preview) -> dict[int, str]:
    return {row["cooperative"].pk: request.POST.get(f"note-{row['cooperative'].pk}", "") for row in preview.rows}


def handover_detail(request, pk):
    """A handover: while a draft, what moves (villages, cooperatives, follow-ups, the month's report), the plan's
    checks and a note per cooperative; once published, who received what."""
    handover = handovers.handover_get_for_admin(request.user, pk)
    if handover.status == handover.Status.PUBLISHED:
        return render(request, "cooperatives/handover_detail.html", {
            "handover": handover, "items": handover.items.select_related("cooperative__village", "successor")})
    preview = handovers.handover_preview(handover)
    if request.method == "POST":
        try:
            handovers.handover_notes_save(actor=request.user, handover=handover,
                                          notes=_posted_notes(request, preview))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Handover notes saved."))
        return redirect("cooperatives:handover_detail", pk=handover.pk)
    return render(request, "cooperatives/handover_detail.html", {
        "handover": handover, "preview": preview, "note_max": handovers.NOTE_MAX})


@require_POST
def handover_publish(request, pk):
    handover = handovers.handover_get_for_admin(request.user, pk)
    if handover.status != handover.Status.DRAFT:
        messages.error(request, _("This handover was published already: nothing was changed."))
        return redirect("cooperatives:handover_detail", pk=handover.pk)
    preview = handovers.handover_preview(handover)
    reviewed = request.POST.get("reviewed_active", "")
    try:
        handovers.handover_publish(actor=request.user, handover=handover,
                                   reviewed_active_id=int(reviewed) if reviewed.isdigit() else None,
                                   notes=_posted_notes(request, preview),
                                   exception_reason=request.POST.get("exception_reason", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Handed over: the plan change is in force from %(day)s.")
                         % {"day": date_format(handover.effective_from, "j F Y")})
    return redirect("cooperatives:handover_detail", pk=handover.pk)
