"""Pages of the cooperative registry, mentoring visits, follow-ups and monthly reports."""

from datetime import date, timedelta

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mentors import selectors as people
from mentors.models import Mentor
from mentors.spreadsheets import SpreadsheetError, preview_store, preview_take, read_table, xlsx_response
from territories import selectors as regions

from . import selectors, services
from .filters import CooperativeFilter
from .forms import (
    CooperativeForm,
    CooperativeImportForm,
    FollowUpFormSet,
    ReportForm,
    ReviewForm,
    VisitForm,
)
from .models import BusinessUnit, Cooperative, MonthlyReport

IMPORT_SESSION_KEY = "cooperative_import"


def _registry_filter(request):
    districts = regions.districts_visible_to(request.user).order_by("name")
    bas = people.mentors_visible_to(request.user).filter(role=Mentor.Role.BA).order_by("full_name")
    queryset = selectors.registry_for(request.user).prefetch_related(
        Prefetch("units", queryset=BusinessUnit.objects.order_by("kind", "name")))
    return CooperativeFilter(request.GET, queryset=queryset, districts=districts, bas=bas)


def cooperative_list(request):
    registry = _registry_filter(request)
    page_obj = Paginator(registry.qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    access = people.access_for(request.user)
    context = {"filter": registry, "page_obj": page_obj, "can_import": access.is_admin}
    fragment = request.htmx and not request.htmx.boosted
    return render(request, "cooperatives/_cooperative_table.html" if fragment else "cooperatives/cooperative_list.html",
                  context)


def cooperative_export(request):
    if not people.access_for(request.user).is_office:
        raise PermissionDenied
    registry = _registry_filter(request)
    headers = [_("Village code"), _("Village"), _("District"), _("Cooperative"), _("Stage"), _("Legal entity number"),
               _("Legal entity date"), _("Members"), _("Chair"), _("Chair's phone"), _("Manager"),
               _("Manager's phone"), _("Business units"), _("Business Assistant"), _("Last visit")]
    rows = [
        [c.village.code, c.village.name, c.village.district.name, c.name, c.get_stage_display(),
         c.legal_entity_number, c.legal_entity_date, c.member_count, c.chair_name, c.chair_phone_display,
         c.manager_name, c.manager_phone_display, ", ".join(str(u) for u in c.units.all()), c.ba_name or "",
         c.last_visit]
        for c in (registry.qs if registry.is_valid() else [])
    ]
    return xlsx_response([(_("Cooperatives"), headers, rows)], f"koperasi-{timezone.localdate():%Y%m%d}.xlsx")


def cooperative_detail(request, pk):
    cooperative = selectors.cooperative_get_for_user(request.user, pk)
    access = people.access_for(request.user)
    visits = list(selectors.cooperative_visits(cooperative))
    can_record = access.mentor is not None
    manager = access.can_manage(cooperative.village.district.regency_id)
    correctable = {v.pk for v in visits if manager or (
        access.mentor is not None and v.mentor_id == access.mentor.pk and selectors.visit_correctable_by_author(v))}
    context = {
        "cooperative": cooperative,
        "units": list(cooperative.units.all()),
        "stage_changes": list(cooperative.stage_changes.select_related("recorded_by")),
        "history": regions.village_history(cooperative.village),
        "visits": visits,
        "open_follow_ups": [f for v in visits for f in v.follow_ups.all() if not f.done],
        "can_edit": selectors.can_edit_cooperative(request.user, cooperative),
        "can_record": can_record,
        "correctable": correctable,
        "today": timezone.localdate(),
        "stages": [(value, label, index < cooperative.stage_number) for index, (value, label)
                   in enumerate(Cooperative._meta.get_field("stage").choices)],
    }
    return render(request, "cooperatives/cooperative_detail.html", context)


def cooperative_update(request, pk):
    cooperative = selectors.cooperative_get_for_editor(request.user, pk)
    form = CooperativeForm(request.POST or None, instance=cooperative)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in services.COOPERATIVE_FIELDS}
        others = [part for part in form.cleaned_data["other_units"].split(",") if part.strip()]
        try:
            services.cooperative_update(actor=request.user, cooperative=cooperative,
                                        version=form.cleaned_data["version"], units=form.cleaned_data["units"],
                                        other_units=others, stage_reached_on=form.cleaned_data["stage_reached_on"],
                                        **data)
        except services.StaleEdit:
            messages.error(request, _("Someone else changed this cooperative while you were editing. Your changes "
                                      "were not saved: the form now shows the current data."))
            return redirect("cooperatives:cooperative_update", pk=cooperative.pk)
        messages.success(request, _("Changes saved."))
        return redirect(cooperative)
    return render(request, "cooperatives/cooperative_form.html", {"form": form, "cooperative": cooperative})


# --- visits ---------------------------------------------------------------------------------------


def _mentor_or_403(request) -> Mentor:
    access = people.access_for(request.user)
    if access.mentor is None:
        raise PermissionDenied  # visits are recorded by mentors
    return access.mentor


def _follow_ups(formset):
    return [(f.cleaned_data["action"], f.cleaned_data["due_date"]) for f in formset.forms
            if f.cleaned_data.get("action")]


def visit_create(request, pk=None):
    """Record a visit: quick on a phone. From a cooperative page, or choosing one of the mentor's cooperatives."""
    cooperative = selectors.cooperative_get_for_user(request.user, pk) if pk else None  # 404 outside the scope
    mentor = _mentor_or_403(request)
    choices = None if cooperative else selectors.cooperatives_visible_to(request.user).select_related(
        "village").order_by("village__name")
    form = VisitForm(request.POST or None, cooperatives=choices)
    formset = FollowUpFormSet(request.POST or None, prefix="follow")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        target = cooperative or form.cleaned_data["cooperative"]
        data = form.cleaned_data
        try:
            visit = services.visit_create(actor=request.user, mentor=mentor, cooperative=target, date=data["date"],
                                          mode=data["mode"], focus_areas=data["focus_areas"],
                                          summary=data["summary"], follow_ups=_follow_ups(formset))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Visit recorded."))
            return redirect(visit.get_absolute_url())
    return render(request, "cooperatives/visit_form.html",
                  {"form": form, "formset": formset, "cooperative": cooperative})


def visit_update(request, pk):
    visit = selectors.visit_get_for_editor(request.user, pk)
    initial = {"date": visit.date, "mode": visit.mode, "focus_areas": visit.focus_areas, "summary": visit.summary}
    form = VisitForm(request.POST or None, initial=initial)
    formset = FollowUpFormSet(request.POST or None, prefix="follow")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data = form.cleaned_data
        try:
            services.visit_update(actor=request.user, visit=visit, date=data["date"], mode=data["mode"],
                                  focus_areas=data["focus_areas"], summary=data["summary"],
                                  follow_ups=_follow_ups(formset))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Visit corrected."))
            return redirect(visit.get_absolute_url())
    return render(request, "cooperatives/visit_form.html",
                  {"form": form, "formset": formset, "cooperative": visit.cooperative, "visit": visit})


def follow_up_list(request):
    mentor = _mentor_or_403(request)
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


def _month(text: str) -> date:
    try:
        year, month = (int(part) for part in text.split("-"))
        if not 2000 <= year <= 2100:
            raise ValueError(year)
        return date(year, month, 1)
    except ValueError as error:
        raise Http404 from error


def report_list(request):
    access = people.access_for(request.user)
    month = _month(request.GET["month"]) if request.GET.get("month") else selectors.month_start(timezone.localdate())
    if access.mentor is not None and access.mentor.role == Mentor.Role.BA and not access.is_office:
        reports = MonthlyReport.objects.filter(mentor=access.mentor).order_by("-month")
        return render(request, "cooperatives/report_list_ba.html", {
            "reports": reports, "mentor": access.mentor,
            "current": selectors.month_start(timezone.localdate()),
        })
    if not (access.is_office or access.role == Mentor.Role.PMO):
        raise PermissionDenied
    rows = selectors.report_statuses(request.user, month)
    counts = {status: sum(1 for r in rows if r["status"] == status)
              for status in ("missing", "draft", "submitted", "returned", "accepted")}
    previous = selectors.month_start(month - timedelta(days=1))
    return render(request, "cooperatives/report_list.html", {
        "rows": rows, "month": month, "counts": counts, "previous": previous,
        "following": selectors.next_month(month),
    })


def _report_context(request, mentor_pk, month_text):
    mentor = selectors.report_mentor_get_for_user(request.user, mentor_pk)
    month = _month(month_text)
    report = selectors.report_or_new(mentor, month)
    access = people.access_for(request.user)
    reviewer = selectors.reviewer_of(mentor)
    is_author = access.mentor is not None and access.mentor.pk == mentor.pk
    is_reviewer = access.mentor is not None and reviewer is not None and access.mentor.pk == reviewer.pk
    return {
        "mentor": mentor, "month": month, "report": report, "reviewer": reviewer,
        "is_author": is_author, "is_reviewer": is_reviewer,
        "can_write": is_author and report.status in (MonthlyReport.Status.DRAFT, MonthlyReport.Status.RETURNED),
        "can_review": is_reviewer and report.status == MonthlyReport.Status.SUBMITTED,
        **selectors.report_compilation(mentor, month),
    }


def report_detail(request, mentor_pk, month):
    context = _report_context(request, mentor_pk, month)
    report = context["report"]
    form = ReportForm(request.POST or None, initial={"obstacles": report.obstacles,
                                                     "next_month_plan": report.next_month_plan})
    review = ReviewForm(request.POST or None)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action in ("save", "submit"):
                if not context["is_author"]:
                    raise PermissionDenied
                if form.is_valid():
                    services.report_save(actor=request.user, mentor=context["mentor"], month=context["month"],
                                         submit=action == "submit", **form.cleaned_data)
                    messages.success(request, _("Report submitted to your PMO.") if action == "submit"
                                     else _("Report saved."))
                    return redirect("cooperatives:report_detail", mentor_pk=context["mentor"].pk, month=month)
            elif action in ("accept", "return"):
                if not context["is_reviewer"]:
                    raise PermissionDenied
                if review.is_valid() and report.pk:
                    services.report_review(actor=request.user, report=report, accept=action == "accept",
                                           comment=review.cleaned_data["comment"])
                    messages.success(request, _("Report accepted.") if action == "accept"
                                     else _("Report returned to the BA."))
                    return redirect("cooperatives:report_detail", mentor_pk=context["mentor"].pk, month=month)
                raise services.ReportError(_("Only a submitted report can be accepted or returned."))
            else:
                raise PermissionDenied
        except services.ReportError as error:
            messages.error(request, str(error))
    return render(request, "cooperatives/report_detail.html", {**context, "form": form, "review": review})


def report_print(request, mentor_pk, month):
    return render(request, "cooperatives/report_print.html", _report_context(request, mentor_pk, month))


# --- import ---------------------------------------------------------------------------------------


def cooperative_import(request):
    people.require_admin(request.user)
    regencies = people.regencies_managed_by(request.user)
    form = CooperativeImportForm(request.POST or None, request.FILES or None, regencies=regencies)
    if request.method == "POST" and form.is_valid():
        regency = form.cleaned_data["regency"]
        try:
            rows = services.rows_from_table(read_table(form.cleaned_data["file"]))
        except (SpreadsheetError, services.ImportFileError) as error:
            form.add_error("file", str(error))
        else:
            plan = services.cooperatives_import_plan(regency=regency, rows=rows)
            token = preview_store(request.session, IMPORT_SESSION_KEY, rows=rows, regency=regency.pk)
            return render(request, "cooperatives/cooperative_import.html",
                          {"form": form, "plan": plan, "token": token, "regency": regency})
    return render(request, "cooperatives/cooperative_import.html", {"form": form})


@require_POST
def cooperative_import_apply(request):
    people.require_admin(request.user)
    pending = preview_take(request.session, IMPORT_SESSION_KEY, request.POST.get("token"))
    if pending is None:
        messages.error(request, _("This import preview has expired. Upload the file again."))
        return redirect("cooperatives:cooperative_import")
    regency = get_object_or_404(people.regencies_managed_by(request.user), pk=pending["regency"])
    plan = services.cooperatives_import_apply(actor=request.user, regency=regency, rows=pending["rows"])
    if plan.errors:
        messages.error(request, _("Nothing was imported: the registry changed since the preview."))
        form = CooperativeImportForm(regencies=people.regencies_managed_by(request.user))
        return render(request, "cooperatives/cooperative_import.html", {"form": form, "plan": plan})
    messages.success(request, _("Import done: %(create)d added, %(update)d updated, %(unchanged)d unchanged.")
                     % plan.summary)
    return redirect("cooperatives:cooperative_list")


