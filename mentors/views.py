
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from . import selectors, services
from .filters import MentorFilter
from .forms import MentorForm, MentorImportForm
from .models import Mentor
from .spreadsheets import SpreadsheetError, preview_store, preview_take, read_table, xlsx_response

IMPORT_SESSION_KEY = "mentor_import"
CHANGE_REASONS = {
    "created": _lazy("created"), "edited": _lazy("edited"), "deactivated": _lazy("deactivated"),
    "reactivated": _lazy("reactivated"), "invited": _lazy("invited to sign in"), "imported": _lazy("imported"),
    "demo": _lazy("demo data"),
}


def mentor_list(request):
    access = selectors.access_for(request.user)
    if not (access.is_office or access.role == Mentor.Role.PMO):
        raise PermissionDenied
    regencies = selectors.regencies_seen_by_office(request.user)
    roster = MentorFilter(request.GET, queryset=selectors.roster_for(request.user), regencies=regencies)
    page_obj = Paginator(roster.qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"filter": roster, "page_obj": page_obj, "access": access}
    template = "mentors/_mentor_table.html" if request.htmx and not request.htmx.boosted else "mentors/mentor_list.html"
    return render(request, template, context)


def mentor_export(request):
    selectors.require_office(request.user)
    regencies = selectors.regencies_seen_by_office(request.user)
    roster = MentorFilter(request.GET, queryset=selectors.roster_for(request.user), regencies=regencies)
    headers = [_("Name"), _("Role"), _("Regency"), _("Phone"), _("E-mail"), _("Contract start"), _("Contract end"),
               _("Active"), _("Account"), _("Notes")]
    rows = [
        [m.full_name, m.get_role_display(), m.regency.name, m.phone_display, m.email, m.contract_start,
         m.contract_end, _("yes") if m.is_active else _("no"), m.get_account_status_display(), m.notes]
        for m in (roster.qs if roster.is_valid() else [])
    ]
    filename = f"mentors-{timezone.localdate():%Y-%m-%d}.xlsx"
    return xlsx_response([(_("Mentors"), headers, rows)], filename)


def mentor_detail(request, pk):
    mentor = selectors.mentor_get_for_user(request.user, pk)
    access = selectors.access_for(request.user)
    records = list(mentor.history.select_related("history_user").order_by("-history_date", "-history_id")[:21])
    changes = []
    for newer, older in zip(records, records[1:] + [None], strict=False):
        if len(changes) == 20:
            break
        fields = [c.field for c in newer.diff_against(older).changes] if older is not None else []
        changes.append({"record": newer, "fields": [Mentor._meta.get_field(f).verbose_name for f in fields
                                                     if f not in {"updated_at", "created_at"}]})
    for change in changes:
        change["reason"] = CHANGE_REASONS.get(change["record"].history_change_reason or "", "–")
    # The territories the mentor holds under the plan in force (read through the reverse relations).
    territories = [
        *mentor.ba_territories.filter(plan__status="active").annotate(size=Count("village_links")),
        *mentor.pmo_territories.filter(plan__status="active").annotate(size=Count("district_links")),
    ]
    context = {
        "mentor": mentor, "can_manage": access.can_manage(mentor.regency_id), "changes": changes,
        "show_internal": access.is_office, "territories": territories,
    }
    return render(request, "mentors/mentor_detail.html", context)


def mentor_create(request):
    selectors.require_admin(request.user)
    regencies = selectors.regencies_managed_by(request.user)
    form = MentorForm(request.POST or None, regencies=regencies)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in services.MENTOR_FIELDS}
        mentor = services.mentor_create(actor=request.user, regency=form.cleaned_data["regency"], **data)
        messages.success(request, _("%(name)s was added to the roster.") % {"name": mentor.full_name})
        return redirect(mentor)
    return render(request, "mentors/mentor_form.html", {"form": form})


def mentor_update(request, pk):
    mentor = selectors.mentor_get_for_admin(request.user, pk)
    form = MentorForm(request.POST or None, instance=mentor, regencies=selectors.regencies_managed_by(request.user))
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in services.MENTOR_FIELDS}
        try:
            services.mentor_update(actor=request.user, mentor=mentor, version=form.cleaned_data["version"], **data)
        except ValidationError as error:
            form.add_error(None, error)
            return render(request, "mentors/mentor_form.html", {"form": form, "mentor": mentor})
        except services.StaleEdit:
            messages.error(
                request,
                _("Someone else changed this mentor while you were editing. Your changes were not saved: "
                  "the form now shows the current data."),
            )
            return redirect("mentors:mentor_update", pk=mentor.pk)
        messages.success(request, _("Changes saved."))
        return redirect(mentor)
    return render(request, "mentors/mentor_form.html", {"form": form, "mentor": mentor})


@require_POST
def mentor_deactivate(request, pk):
    mentor = selectors.mentor_get_for_admin(request.user, pk)
    services.mentor_deactivate(actor=request.user, mentor=mentor)
    messages.success(request, _("%(name)s is now inactive and can no longer sign in.") % {"name": mentor.full_name})
    return redirect(mentor)


@require_POST
def mentor_activate(request, pk):
    mentor = selectors.mentor_get_for_admin(request.user, pk)
    services.mentor_activate(actor=request.user, mentor=mentor)
    messages.success(request, _("%(name)s is active again.") % {"name": mentor.full_name})
    return redirect(mentor)


@require_POST
def mentor_invite(request, pk):
    mentor = selectors.mentor_get_for_admin(request.user, pk)
    try:
        email = services.mentor_invite(actor=request.user, mentor=mentor)
    except services.InvitationError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("An invitation was sent to %(email)s. Earlier links no longer work.")
                         % {"email": email})
    return redirect(mentor)


def mentor_import(request):
    selectors.require_admin(request.user)
    regencies = selectors.regencies_managed_by(request.user)
    form = MentorImportForm(request.POST or None, request.FILES or None, regencies=regencies)
    plan = None
    if request.method == "POST" and form.is_valid():
        regency = form.cleaned_data["regency"]
        try:
            rows = services.import_rows_from_table(read_table(form.cleaned_data["file"]))
        except (SpreadsheetError, services.ImportFileError) as error:
            form.add_error("file", str(error))
        else:
            token = preview_store(request.session, IMPORT_SESSION_KEY, rows=rows, regency=regency.pk)
            plan = services.mentors_import_plan(regency=regency, rows=request.session[IMPORT_SESSION_KEY]["rows"])
            return render(request, "mentors/mentor_import.html",
                          {"form": form, "plan": plan, "token": token, "regency": regency})
    return render(request, "mentors/mentor_import.html", {"form": form, "plan": plan})


@require_POST
def mentor_import_apply(request):
    selectors.require_admin(request.user)
    pending = preview_take(request.session, IMPORT_SESSION_KEY, request.POST.get("token"))
    if pending is None:
        messages.error(request, _("This import preview has expired. Upload the file again."))
        return redirect("mentors:mentor_import")
    regency = get_object_or_404(selectors.regencies_managed_by(request.user), pk=pending["regency"])
    plan = services.mentors_import_apply(actor=request.user, regency=regency, rows=pending["rows"])
    if plan.errors:
        messages.error(request, _("Nothing was imported: the roster changed since the preview. Check the rows below."))
        form = MentorImportForm(regencies=selectors.regencies_managed_by(request.user))
        return render(request, "mentors/mentor_import.html", {"form": form, "plan": plan, "regency": regency})
    summary = plan.summary
    messages.success(
        request,
        _("Import done: %(create)d added, %(update)d updated, %(unchanged)d unchanged.") % summary,
    )
    return redirect("mentors:mentor_list")
