"""The territory plans (`territories:`): list, draft editor, proposal, diff, publish, export, import and the
annex."""

from collections import defaultdict
from dataclasses import replace

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mentors import selectors as people
from mentors.access import (
    require,
)
from offices.documents import document_frame
from offices.models import OfficeSettings
from toolkit.links import url_for_each
from toolkit.spreadsheets import IMPORT_REQUEST_MAX_BYTES, ImportFlow, SpreadsheetError, xlsx_response
from toolkit.uploads import accepts_upload
from toolkit.versions import StaleEdit, stale_edit_response

from . import publishing, selectors, services, workbook
from .access import (
    can_compare_plans,
    can_create_plan,
    can_edit_plan,
    can_manage_plans_of,
    can_view_plans,
    can_withdraw_plan,
)
from .forms import (
    DecreeForm,
    MoveDistrictsForm,
    MoveVillagesForm,
    PlanCreateForm,
    PlanImportForm,
    ProposeForm,
    PublishForm,
    TerritoryForm,
)
from .models import TerritoryPlan
from .planning import diff, new_issues
from .templatetags.editor import options_html

IMPORT = ImportFlow(key="plan_import", sheet=workbook.PLAN_SHEET)


def plan_list(request):
    require(can_view_plans(request.user))
    context = {
        "plans": selectors.plans_with_counts(request.user)[:200],
        "can_create": can_create_plan(request.user),
    }
    return render(request, "territories/plan_list.html", context)


def plan_create(request):
    require(can_create_plan(request.user))
    regencies = people.regencies_managed_by(request.user)
    form = PlanCreateForm(request.POST or None, regencies=regencies)
    if request.method == "POST" and form.is_valid():
        plan = services.plan_create(actor=request.user, regency=form.cleaned_data["regency"],
                                    name=form.cleaned_data["name"], clone=form.cleaned_data["start"] == "clone")
        messages.success(request, _("Draft “%(name)s” created.") % {"name": plan.name})
        return redirect(plan)
    return render(request, "territories/plan_create.html", {"form": form})


def _ids(value: str | None) -> set[int] | None:
    """Ids sent by the editor's script as "1,2,3" (open districts, rows being edited); None when not sent."""
    if value is None:
        return None
    return {int(part) for part in value.split(",") if part.strip().isdigit()}


def _editor_state(request) -> tuple[set[int] | None, set[int]]:
    data = request.POST if request.method == "POST" else request.GET
    return _ids(data.get("open")), _ids(data.get("editing")) or set()


def _options(snapshot) -> dict:
    mentors = sorted(snapshot.mentors.values(), key=lambda m: m.name)
    return {
        # Built once, chosen per row by the `choose` filter.
        "ba_mentor_options": options_html((m.id, m.name, m.is_active) for m in mentors if m.role == "ba"),
        "pmo_mentor_options": options_html((m.id, m.name, m.is_active) for m in mentors if m.role == "pmo"),
        "pmo_territory_options": options_html(
            (t.id, t.name, True) for t in sorted(snapshot.pmo.values(), key=lambda t: t.name)),
        "ba_territory_options": options_html(
            (t.id, t.name, True) for t in sorted(snapshot.ba.values(), key=lambda t: t.name)),
        "district_options": options_html(
            (d.id, d.name, True) for d in sorted(snapshot.districts.values(), key=lambda d: d.code)),
    }


def _row_labels() -> dict:
    """The labels every BA row repeats, translated once for all the rows of a response."""
    # Safe as `{% translate %}` of a literal is: a translation is markup the project wrote.
    labels = {"territory": _("BA territory"), "mentor": _("Business Assistant"), "villages": _("Villages"),
              "districts": _("Districts"), "edit": _("Edit")}
    return {key: mark_safe(label) for key, label in labels.items()}


def _with_links(plan: TerritoryPlan, rows: list[dict]) -> list[dict]:
    row_url = url_for_each("territories:territory_row", plan.pk, "ba")
    for row in rows:
        row["url"] = row_url(row["territory"].id)
    return rows


def _district_item(snapshot, district, village_territory, district_pmo, *, is_open: bool | None, url: str,
                   villages=None) -> dict:
    """A district of the editor, `url` the address of its villages; `villages` (the district's villages in code
    order) when the caller has them for every district."""
    if villages is None:
        villages = sorted((v for v in snapshot.villages.values() if v.district_id == district.id),
                          key=lambda v: v.code)
    unassigned = sum(1 for v in villages if v.id not in village_territory)
    is_open = bool(unassigned) if is_open is None else is_open
    return {
        "district": district, "pmo": snapshot.pmo.get(district_pmo.get(district.id)), "count": len(villages),
        "url": url,
        "unassigned": unassigned, "open": is_open,
        # The villages of a closed district are loaded when it is opened: the page stays small.
        "villages": [(v, snapshot.ba.get(village_territory.get(v.id))) for v in villages] if is_open else None,
    }


def _editor_context(request, plan: TerritoryPlan, snapshot=None) -> dict:
    snapshot = snapshot or selectors.plan_snapshot(plan)
    open_ids, editing = _editor_state(request)
    can_edit = can_edit_plan(request.user, plan)
    village_territory = snapshot.village_territory()
    district_pmo = snapshot.district_pmo()
    by_district = defaultdict(list)
    for village in sorted(snapshot.villages.values(), key=lambda v: v.code):
        by_district[village.district_id].append(village)
    district_url = url_for_each("territories:district_villages", plan.pk)
    districts = [
        _district_item(snapshot, district, village_territory, district_pmo,
                       is_open=None if open_ids is None else district.id in open_ids,
                       villages=by_district[district.id], url=district_url(district.id))
        for district in sorted(snapshot.districts.values(), key=lambda d: d.code)
    ]
    overview = selectors.plan_overview(plan, snapshot)
    for group in overview:
        for row in _with_links(plan, group["ba_rows"]):
            row["editing"] = can_edit and row["territory"].id in editing
    return {
        **_status_context(request, plan, snapshot),
        "overview": overview,
        "districts": districts,
        "can_edit": can_edit,
        "pmo_territories": sorted(snapshot.pmo.values(), key=lambda t: t.name),
        "ba_territories": sorted(snapshot.ba.values(), key=lambda t: t.name),
        "target": OfficeSettings.of(plan.regency).ba_target,
        "labels": _row_labels(),
        **(_options(snapshot) if can_edit else {}),
    }


def _status_context(request, plan: TerritoryPlan, snapshot) -> dict:
    """What the editor's status (checks, messages) and change log show."""
    return {
        "plan": plan,
        "snapshot": snapshot,
        "validation": selectors.plan_validation(plan, snapshot) if plan.is_draft else None,
        "in_force_checks": selectors.in_force_checks(plan, snapshot) if plan.status == plan.Status.ACTIVE else None,
        "can_create_draft": can_create_plan(request.user),
        "can_withdraw": plan.is_scheduled and can_withdraw_plan(request.user, plan),
        "changes": plan.changes.select_related("actor")[:15],
    }


def _with_version(response, plan: TerritoryPlan):
    """After an edit, the version the editor's script sends with the next one (see static/js/editor.js)."""
    response["X-Plan-Version"] = str(plan.version)
    return response


def plan_detail(request, pk):
    plan = selectors.plan_get_for_user(request.user, pk)
    context = _editor_context(request, plan)
    if request.htmx and not request.htmx.boosted:
        return render(request, "territories/_plan_editor.html", context)
    context.update(map_source=f"?plan={plan.pk}", has_geometry=selectors.regency_has_coordinates(plan.regency))
    return render(request, "territories/plan_detail.html", context)


def district_villages(request, pk, district_pk):
    """The villages of one district in the editor, loaded when the district is opened."""
    plan = selectors.plan_get_for_user(request.user, pk)
    snapshot = selectors.plan_snapshot(plan)
    district = snapshot.districts.get(district_pk)
    if district is None:
        raise Http404
    item = _district_item(snapshot, district, snapshot.village_territory(), snapshot.district_pmo(), is_open=True,
                          url=reverse("territories:district_villages", args=[plan.pk, district.id]))
    return render(request, "territories/_district_block.html",
                  {"plan": plan, "item": item, "can_edit": can_edit_plan(request.user, plan)})


def territory_row(request, pk, kind, territory_pk):
    """A BA territory's row in the editor: to read, or (`?edit=1`, admins of a draft) to edit."""
    plan = selectors.plan_get_for_user(request.user, pk)
    if kind != "ba":
        raise Http404
    territory = selectors.plan_territory_get(plan, kind, territory_pk)
    editing = request.GET.get("edit") == "1"
    if editing:
        require(can_edit_plan(request.user, plan))
    # No new version for the page here: it takes one only from its own edits (or a refreshed editor).
    return render(request, "territories/_ba_row.html", _row_context(request, plan, territory.pk, editing=editing))


def _row_context(request, plan, territory_id, *, editing=False, posted=None, error=None) -> dict:
    snapshot = selectors.plan_snapshot(plan)
    target = OfficeSettings.of(plan.regency).ba_target
    row = _with_links(plan, [selectors.ba_row(snapshot, snapshot.ba[territory_id], target)])[0]
    row["editing"] = editing
    if posted is not None:  # a refused edit comes back as the admin typed it
        row["territory"] = replace(row["territory"], name=posted.get("name", ""),
                                   mentor_id=_int(posted.get("mentor")), pmo_id=_int(posted.get("pmo_territory")))
    context = {"plan": plan, "row": row, "can_edit": can_edit_plan(request.user, plan), "row_error": error,
               "snapshot": snapshot, "labels": _row_labels()}
    if editing:
        context.update(_options(snapshot))
    return context


def _int(value) -> int | None:
    return int(value) if str(value or "").isdigit() else None


def _after_edit(request, plan: TerritoryPlan, before=None):
    """Post/redirect/get, or for htmx the refreshed editor, keeping the districts that are open and the rows
    being edited, and the editor's feedback (its messages and, given the checks `before` the edit, the problems
    the edit caused) out of band in the region fixed in view."""
    if request.htmx:
        plan.refresh_from_db()
        context = _editor_context(request, plan)
        context["caused"] = _caused(before, context["validation"])
        body = (render_to_string("territories/_plan_editor.html", context, request=request)
                + render_to_string("territories/_feedback.html", {**context, "oob": True}, request=request))
        return _with_version(HttpResponse(body), plan)
    return redirect(plan)


def _checks(request, plan):
    """The draft's checks before an edit, for `_caused` after it (htmx only: a full page shows every check)."""
    return selectors.plan_validation(plan, selectors.plan_snapshot(plan)) if request.htmx and plan.is_draft else None


def _caused(before, after) -> list:
    return new_issues(before, after) if before is not None and after is not None else []


def _whole_editor(request, plan):
    """After a stale edit the whole editor is shown again, whatever the request targeted."""
    response = _after_edit(request, plan)
    if request.htmx:
        response["HX-Retarget"] = "#plan-editor"
        response["HX-Reswap"] = "outerHTML"
    return response


def _stale(request, plan):
    """An edit made on an older version of the draft (StaleEdit): the whole editor again, as the draft is now."""
    return stale_edit_response(request, _("Another admin changed this draft while you were looking at it. Nothing was "
                                          "changed: the page now shows the current draft, check it and try again."),
                               lambda: _whole_editor(request, plan))


def _run(request, plan, action, success: str | None = None, before=None):
    try:
        action()
    except StaleEdit:
        return _stale(request, plan)
    except services.PlanError as error:
        messages.error(request, str(error))
        before = None
    else:
        if success:
            messages.success(request, success)
    return _after_edit(request, plan, before)


def _form_errors(request, form):
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


def _status_parts(request, plan, snapshot, before=None) -> str:
    """The editor's status (checks), change log and feedback (messages, problems caused), swapped out of band."""
    context = _status_context(request, plan, snapshot)
    context["caused"] = _caused(before, context["validation"])
    return render_to_string("territories/_plan_status_oob.html", context, request=request)


@require_POST
def territory_create(request, pk):
    plan = selectors.plan_get_for_admin(request.user, pk)
    form = TerritoryForm(request.POST, plan=plan)
    if not form.is_valid():
        _form_errors(request, form)
        return _after_edit(request, plan)
    data = form.cleaned_data
    return _run(request, plan, lambda: services.territory_create(
        actor=request.user, plan=plan, version=data["version"], kind=data["kind"], name=data["name"],
        mentor=data["mentor"], pmo_territory=data["pmo_territory"],
    ), _("Territory “%(name)s” added.") % {"name": data["name"]})


@require_POST
def territory_update(request, pk, kind, territory_pk):
    """Save one territory. With htmx only its row (or PMO header) is answered, with the checks out of band:
    the other rows keep what is typed in them."""
    plan = selectors.plan_get_for_admin(request.user, pk)
    territory = selectors.plan_territory_get(plan, kind, territory_pk)
    form = TerritoryForm({**request.POST.dict(), "kind": kind}, plan=plan)
    error = before = None
    if form.is_valid():
        data = form.cleaned_data
        before = _checks(request, plan)
        try:
            services.territory_update(actor=request.user, plan=plan, version=data["version"], territory=territory,
                                      name=data["name"], mentor=data["mentor"], pmo_territory=data["pmo_territory"])
        except StaleEdit:
            return _stale(request, plan)
        except services.PlanError as refused:
            error = str(refused)
    else:
        error = " ".join(e for errors in form.errors.values() for e in errors)
    if not request.htmx:
        if error:
            messages.error(request, error)
        else:
            messages.success(request, _("Territory “%(name)s” saved.") % {"name": form.cleaned_data["name"]})
        return redirect(plan)
    plan.refresh_from_db()
    if error is None:
        messages.success(request, _("Territory “%(name)s” saved.") % {"name": form.cleaned_data["name"]})
    if error is not None:
        before = None
    if kind == "pmo":
        # A PMO territory's name and mentor show in several places: the editor is shown again.
        return _after_edit(request, plan, before)
    context = _row_context(request, plan, territory.pk, editing=error is not None,
                           posted=request.POST if error else None, error=error)
    body = render_to_string("territories/_ba_row.html", context, request=request)
    return _with_version(HttpResponse(body + _status_parts(request, plan, context["snapshot"], before)), plan)


@require_POST
def territory_delete(request, pk, kind, territory_pk):
    plan = selectors.plan_get_for_admin(request.user, pk)
    territory = selectors.plan_territory_get(plan, kind, territory_pk)
    version = request.POST.get("version", "")
    return _run(request, plan, lambda: services.territory_delete(
        actor=request.user, plan=plan, version=int(version) if version.isdigit() else 0, territory=territory,
    ), _("Territory “%(name)s” deleted; its villages are unassigned.") % {"name": territory.name})


@require_POST
def villages_move(request, pk):
    """Move villages (chosen in the list or on the map, or a whole district). With htmx the answer holds only
    what changed, out of band: the districts of the villages moved, the counts of the territories they left
    and joined, the checks: the rest of the page, and its scroll position, stay as they are."""
    plan = selectors.plan_get_for_admin(request.user, pk)
    form = MoveVillagesForm(request.POST, plan=plan)
    if not form.is_valid():
        _form_errors(request, form)
        return _moved(request, plan, [])
    ids, to = form.village_ids(), form.cleaned_data["to"]
    done = (_("%(count)d villages moved to “%(target)s”.") % {"count": len(ids), "target": to.name} if to
            else _("%(count)d villages taken out of their territory.") % {"count": len(ids)})
    before = _checks(request, plan)
    try:
        services.villages_move(actor=request.user, plan=plan, version=form.cleaned_data["version"], village_ids=ids,
                               to=to)
    except StaleEdit:
        return _stale(request, plan)
    except services.PlanError as error:
        messages.error(request, str(error))
        return _moved(request, plan, [])
    messages.success(request, done)
    return _moved(request, plan, ids, before)


def _moved(request, plan, village_ids, before=None):
    if not request.htmx:
        return redirect(plan)
    plan.refresh_from_db()
    snapshot = selectors.plan_snapshot(plan)
    context = _editor_context(request, plan, snapshot)
    context["caused"] = _caused(before, context["validation"])
    moved = {snapshot.villages[v].district_id for v in village_ids if v in snapshot.villages}
    context["moved_districts"] = [item for item in context["districts"] if item["district"].id in moved]
    context["rows"] = [row for group in context["overview"] for row in group["ba_rows"]]
    body = render_to_string("territories/_moved.html", context, request=request)
    return _with_version(HttpResponse(body), plan)


@require_POST
def districts_move(request, pk):
    plan = selectors.plan_get_for_admin(request.user, pk)
    form = MoveDistrictsForm(request.POST, plan=plan)
    if not form.is_valid():
        _form_errors(request, form)
        return _after_edit(request, plan)
    ids = [d.pk for d in form.cleaned_data["districts"]]
    to = form.cleaned_data["to"]
    done = (_("%(count)d districts moved to “%(target)s”.") % {"count": len(ids), "target": to.name} if to
            else _("%(count)d districts taken out of their PMO territory.") % {"count": len(ids)})
    return _run(request, plan, lambda: services.districts_move(
        actor=request.user, plan=plan, version=form.cleaned_data["version"], district_ids=ids, to=to,
    ), done, before=_checks(request, plan))


def plan_propose(request, pk):
    """Choose the mentors, preview what changes hands, then apply exactly the proposal previewed. A re-proposal
    that had to move Business Assistants or districts between PMO areas, or cannot meet the target, says why
    and shows the fresh split beside it; a proposal that would not publish is not applied."""
    plan = selectors.plan_get_for_admin(request.user, pk)
    require(can_edit_plan(request.user, plan))
    data = None
    if request.method == "POST":
        data = request.POST.copy()
        if data.get("switch") in ("keep", "fresh"):  # "preview the fresh split" beside a re-proposal
            data["mode"] = data["switch"]
    form = ProposeForm(data, plan=plan)
    preview = fresh = None
    if request.method == "POST" and form.is_valid():
        cleaned = form.cleaned_data
        choice = {"ba_mentors": list(cleaned["ba_mentors"]), "pmo_mentors": list(cleaned["pmo_mentors"]),
                  "keep": cleaned["mode"] == "keep"}
        token = form.token()
        applying = data.get("apply")
        try:
            if applying == token:
                try:
                    services.plan_propose(actor=request.user, plan=plan, version=cleaned["version"],
                                          publishable_only=True, **choice)
                except services.ProposalUnpublishable as error:
                    messages.error(request, str(error))
                else:
                    messages.success(request, _("The draft now holds the proposed split. Check it, then publish."))
                    return redirect(plan)
            elif applying:
                messages.warning(request, _("The choice changed since the preview: check the new preview, then "
                                            "apply it."))
            proposal, pmo_rows, ba_rows = services.proposal_for(plan, **choice)
            preview = selectors.proposal_preview(plan, pmo_rows, ba_rows, proposal)
            if preview["reshaped"]:
                _fresh, pmo_rows, ba_rows = services.proposal_for(plan, **{**choice, "keep": False})
                fresh = selectors.proposal_preview(plan, pmo_rows, ba_rows)
        except StaleEdit:
            return _stale(request, plan)
        except (services.PlanError, ValueError) as error:
            messages.error(request, str(error))
            preview = None
        else:
            preview.update(token=token)
    return render(request, "territories/plan_propose.html", {
        "plan": plan, "form": form, "preview": preview, "fresh": fresh,
        "target": OfficeSettings.of(plan.regency).ba_target,
        "without_point": selectors.villages_without_point(plan.regency)})


def plan_diff(request, pk):
    plan = selectors.plan_get_for_user(request.user, pk)
    choices = list(selectors.plans_visible_to(request.user).filter(regency=plan.regency).exclude(pk=plan.pk))
    against_pk = request.GET.get("against", "")
    if against_pk:
        if not against_pk.isdigit():
            raise Http404
        other = next((p for p in choices if p.pk == int(against_pk)), None)
        if other is None:  # not of this regency: 404 outside the scope, 403 for another regency's plan
            other = selectors.plan_get_for_user(request.user, against_pk)
            require(can_compare_plans(plan, other))
    else:
        other = selectors.plan_predecessor(plan, choices)
    places = selectors.regency_places(plan.regency)
    mentors = selectors.mentor_infos(plan.regency)
    old = selectors.plan_snapshot(other, places=places, mentors=mentors) if other and other != plan else None
    new = selectors.plan_snapshot(plan, places=places, mentors=mentors)
    changes = diff(old, new)
    context = {
        "plan": plan, "other": other if old else None, "diff": changes, "choices": choices,
        # A page of the villages that change hands (all 852 of a regency against no plan weighed 329 KB).
        "moves_page": Paginator(changes.moves, settings.PAGE_SIZE).get_page(request.GET.get("page")),
    }
    return render(request, "territories/plan_diff.html", context)


def plan_publish(request, pk):
    """Publishing shows what changes first (villages that change BA, mentors affected, the checks) and asks
    for a date and a confirmation."""
    plan = selectors.plan_get_for_admin(request.user, pk)
    require(can_edit_plan(request.user, plan))
    active = selectors.active_plan(plan.regency)
    form = PublishForm(request.POST or None, plan=plan, active=active)
    validation = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            publishing.plan_publish(actor=request.user, plan=plan, version=data["version"],
                                  effective_from=data["effective_from"], decree_number=data["decree_number"],
                                  reviewed_active_id=data["reviewed_active"])
        except StaleEdit:
            return _stale(request, plan)
        except publishing.PlanInvalid as error:
            messages.error(request, str(error))
            validation = error.validation
        except services.PlanError as error:
            messages.error(request, str(error))
        else:
            day = data["effective_from"].strftime("%d-%m-%Y")
            if plan.is_scheduled:
                messages.success(request, _("“%(name)s” is scheduled: it takes effect on %(date)s. The plan in force "
                                            "stays until then; you can withdraw the new one before that day.")
                                 % {"name": plan.name, "date": day})
            else:
                messages.success(request, _("“%(name)s” is now in force from %(date)s.")
                                 % {"name": plan.name, "date": day})
            return redirect(plan)
    places = selectors.regency_places(plan.regency)
    mentors = selectors.mentor_infos(plan.regency)
    snapshot = selectors.plan_snapshot(plan, places=places, mentors=mentors)
    if validation is None:
        # The checks of the day typed, even when the form is refused for another field (the confirmation): the
        # first submit names every blocking problem.
        day = form.cleaned_data.get("effective_from") if form.is_bound and "effective_from" not in form.errors else None
        validation = selectors.plan_validation(plan, snapshot, effective_date=day or timezone.localdate())
    old = selectors.plan_snapshot(active, places=places, mentors=mentors) if active else None
    changes = diff(old, snapshot)
    return render(request, "territories/plan_publish.html", {
        "plan": plan, "form": form, "active": active, "validation": validation, "diff": changes,
        "summary": {"moves": len(changes.moves), "mentors": len(changes.gains), "villages": len(snapshot.villages),
                    "territories": len(snapshot.ba)},
    })


@require_POST
def plan_discard(request, pk):
    plan = selectors.plan_get_for_admin(request.user, pk)
    version = request.POST.get("version", "")
    try:
        services.plan_discard(actor=request.user, plan=plan, version=int(version) if version.isdigit() else 0)
    except StaleEdit:
        return _stale(request, plan)
    except services.PlanError as error:
        messages.error(request, str(error))
        return redirect(plan)
    messages.success(request, _("Draft “%(name)s” discarded.") % {"name": plan.name})
    return redirect("territories:plan_list")


@require_POST
def plan_withdraw(request, pk):
    """A scheduled plan goes back to being a draft before its date; the plan in force stays."""
    plan = selectors.plan_get_for_admin(request.user, pk)
    require(can_withdraw_plan(request.user, plan))
    try:
        publishing.plan_withdraw(actor=request.user, plan=plan)
    except services.PlanError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("“%(name)s” was withdrawn: it is a draft again and the plan in force stays.")
                         % {"name": plan.name})
    return redirect(plan)


def plan_export(request, pk):
    plan = selectors.plan_get_for_user(request.user, pk)
    snapshot = selectors.plan_snapshot(plan)
    filename = f"plan-{plan.regency.code}-{plan.pk}-{timezone.localdate():%Y%m%d}.xlsx"
    return xlsx_response(workbook.plan_workbook_sheets(plan, snapshot), filename)


@accepts_upload(IMPORT_REQUEST_MAX_BYTES)
def plan_import(request, pk):
    plan = selectors.plan_get_for_admin(request.user, pk)
    require(can_edit_plan(request.user, plan))
    form = PlanImportForm(request.POST or None, request.FILES or None, initial={"version": plan.version})
    context = {"plan": plan, "form": form}
    if request.method == "POST" and form.is_valid():
        version = form.cleaned_data["version"]
        try:
            check, token = IMPORT.preview(request, form.cleaned_data["file"],
                                          lambda rows: workbook.plan_import_check(plan=plan, rows=rows),
                                          max_rows=workbook.plan_import_max_rows(plan), plan=plan.pk,
                                          version=version)
        except SpreadsheetError as error:
            form.add_error("file", str(error))
        else:
            context.update(check=check, token=token, version=version)
            if token:
                places = selectors.regency_places(plan.regency)
                mentors = selectors.mentor_infos(plan.regency)
                current = selectors.plan_snapshot(plan, places=places, mentors=mentors)
                context["diff"] = diff(current, check.snapshot(places, mentors))
    return render(request, "territories/plan_import.html", context)


@require_POST
@transaction.atomic  # the preview's token is recorded with the rows it applies: exactly once
def plan_import_apply(request, pk):
    plan = selectors.plan_get_for_admin(request.user, pk)
    pending = IMPORT.take(request)
    if pending is None or pending.get("plan") != plan.pk:
        return redirect("territories:plan_import", pk=plan.pk)
    try:
        workbook.plan_import_apply(actor=request.user, plan=plan, version=pending["version"], rows=pending["rows"])
    except StaleEdit:
        return _stale(request, plan)
    except services.PlanError as error:
        messages.error(request, str(error))
        return redirect("territories:plan_import", pk=plan.pk)
    messages.success(request, _("The workbook was imported into the draft."))
    return redirect(plan)


def _annex(request, plan, form=None, status=200):
    snapshot = selectors.plan_snapshot(plan)
    may_record = can_manage_plans_of(request.user, plan.regency_id) and plan.status != TerritoryPlan.Status.ARCHIVED
    if form is None and may_record:
        form = DecreeForm(plan=plan, subject=publishing.decree_subject_default(plan), today=timezone.localdate())
    return render(request, "territories/plan_annex.html",
                  {"plan": plan, "overview": selectors.plan_overview(plan, snapshot),
                   "frame": document_frame(request.user, plan.regency), "decree_form": form if may_record else None,
                   "back": reverse("territories:plan_detail", kwargs={"pk": plan.pk})}, status=status)


def plan_annex(request, pk):
    """The annex to the decree, to print on A4: the office's letterhead, the decree's number, date and subject, the
    territories one page per PMO territory, the head's signature block; its admins record the decree here."""
    return _annex(request, selectors.plan_get_for_user(request.user, pk))


@require_POST
def plan_decree(request, pk):
    """Record the decree's number (typed, or the office's next), date and subject, then back to the annex."""
    plan = selectors.plan_get_for_user(request.user, pk)
    require(can_manage_plans_of(request.user, plan.regency_id))
    form = DecreeForm(request.POST, plan=plan, subject=publishing.decree_subject_default(plan),
                      today=timezone.localdate())
    if not form.is_valid():
        return _annex(request, plan, form, status=400)
    data = form.cleaned_data
    try:
        publishing.plan_decree_set(actor=request.user, plan=plan, version=data["version"], dated=data["decree_date"],
                                   subject=data["decree_subject"], number=data["decree_number"], issue=data["issue"])
    except StaleEdit:
        return stale_edit_response(request, _("Another admin changed this plan while you were looking at it. Nothing "
                                              "was changed: check the decree again."), "territories:plan_annex",
                                   pk=plan.pk)
    except services.PlanError as error:
        form.add_error(None, str(error))
        return _annex(request, plan, form, status=400)
    messages.success(request, _("The decree is recorded: number %(number)s.") % {"number": plan.decree_number or "–"})
    return redirect("territories:plan_annex", pk=plan.pk)
