"""The roster pages (`mentors:` names rendered here): the roster, its export, a mentor's page, the edit form and the
import, which show what the plan in force gives a mentor (or refuse a role change while it gives one)."""


from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from mentors import selectors as people
from mentors import services as people_services
from mentors.access import (
    access_for,
    can_add_mentors,
    can_export_roster,
    can_manage_mentor,
    can_see_internal_notes,
    can_view_roster,
    require,
)
from mentors.forms import MentorForm, MentorImportForm
from mentors.models import Mentor
from toolkit.spreadsheets import IMPORT_REQUEST_MAX_BYTES, ImportFlow, SpreadsheetError, export_refusal, xlsx_response
from toolkit.uploads import accepts_upload
from toolkit.versions import StaleEdit, stale_edit_response

from . import selectors
from .filters import RosterFilter
from .region_views import page_of, render_list

IMPORT = ImportFlow(key="mentor_import", sheet=people_services.MENTOR_SHEET)

CHANGE_REASONS = {
    "created": gettext_lazy("created"), "edited": gettext_lazy("edited"),
    "deactivated": gettext_lazy("deactivated"), "reactivated": gettext_lazy("reactivated"),
    "invited": gettext_lazy("invited to sign in"), "imported": gettext_lazy("imported"),
    "demo": gettext_lazy("demo data"),
    "renewed": gettext_lazy("contract renewed"), "contract ended": gettext_lazy("contract ended: access ended"),
    people_services.BECAME_PMO: gettext_lazy("became a PMO through a handover"),
}


def _roster_filter(request):
    return RosterFilter(request.GET, queryset=selectors.roster_for(request.user),
                        regencies=people.regencies_seen_by_office(request.user))


def mentor_list(request):
    require(can_view_roster(request.user))
    roster = _roster_filter(request)
    context = {"filter": roster, "page_obj": page_of(request, roster.qs), "can_add": can_add_mentors(request.user),
               "can_export": can_export_roster(request.user)}
    return render_list(request, "mentors/mentor_list.html", "mentors/_mentor_table.html", context)


def mentor_export(request):
    require(can_export_roster(request.user))
    roster = _roster_filter(request)
    refused = export_refusal(request, roster, reverse("mentors:mentor_list"))
    if refused is not None:
        return refused
    headers = [_("Name"), _("Role"), _("Regency"), _("Phone"), _("E-mail"), _("Contract start"), _("Contract end"),
               _("Active"), _("Account"), _("Notes")]
    rows = [
        [m.full_name, m.get_role_display(), m.regency.name, m.phone_display, m.email, m.contract_start,
         m.contract_end, _("yes") if m.is_active else _("no"), m.get_account_status_display(), m.notes]
        for m in roster.qs
    ]
    return xlsx_response([(_("Mentors"), headers, rows)], f"mentors-{timezone.localdate():%Y-%m-%d}.xlsx")


def _mentor_changes(mentor: Mentor) -> list[dict]:
    """The last 20 changes of a mentor with the fields each one changed."""
    records = list(mentor.history.select_related("history_user").order_by("-history_date", "-history_id")[:21])
    changes = []
    for newer, older in zip(records, records[1:] + [None], strict=False):
        if len(changes) == 20:
            break
        fields = [c.field for c in newer.diff_against(older).changes] if older is not None else []
        changes.append({
            "record": newer, "reason": CHANGE_REASONS.get(newer.history_change_reason or "", "–"),
            "fields": [Mentor._meta.get_field(f).verbose_name for f in fields if f not in {"updated_at", "created_at"}],
        })
    return changes


def mentor_detail(request, pk):
    mentor = selectors.mentor_get_for_user(request.user, pk)
    internal = can_see_internal_notes(request.user)
    context = {
        "mentor": mentor, "can_manage": can_manage_mentor(request.user, mentor), "show_internal": internal,
        "changes": _mentor_changes(mentor) if internal else [], "territories": selectors.territories_of(mentor),
    }
    return render(request, "mentors/mentor_detail.html", context)


def mentor_update(request, pk):
    # Only admins change mentors: 403 for everyone else (a reader: 404 outside their scope, 403 inside).
    require(can_add_mentors(request.user) or access_for(request.user).is_reader)
    mentor = selectors.mentor_get_for_user(request.user, pk)
    require(can_manage_mentor(request.user, mentor))
    form = MentorForm(request.POST or None, instance=mentor, regencies=people.regencies_managed_by(request.user))
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in people_services.MENTOR_FIELDS}
        try:
            people_services.mentor_update(actor=request.user, mentor=mentor, version=form.cleaned_data["version"],
                                          role_locked=selectors.holds_territory(mentor), **data)
        except ValidationError as error:
            form.add_error(None, error)
        except StaleEdit:
            return stale_edit_response(request, _("Someone else changed this mentor while you were editing. Your "
                                                  "changes were not saved: the form now shows the current data."),
                                       "mentors:mentor_update", pk=mentor.pk)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(mentor)
    return render(request, "mentors/mentor_form.html", {"form": form, "mentor": mentor})


@accepts_upload(IMPORT_REQUEST_MAX_BYTES)
def mentor_import(request):
    require(can_add_mentors(request.user))
    form = MentorImportForm(request.POST or None, request.FILES or None,
                            regencies=people.regencies_managed_by(request.user))
    context = {"form": form}
    if request.method == "POST" and form.is_valid():
        regency = form.cleaned_data["regency"]
        locked = selectors.territory_holder_ids(regency)
        try:
            preview, token = IMPORT.preview(
                request, form.cleaned_data["file"],
                lambda rows: people_services.mentors_import_check(regency=regency, rows=rows, role_locked_ids=locked),
                regency=regency.pk)
        except SpreadsheetError as error:
            form.add_error("file", str(error))
        else:
            context.update(preview=preview, token=token, regency=regency)
    return render(request, "mentors/mentor_import.html", context)


@require_POST
@transaction.atomic  # the preview's token is recorded with the rows it applies: exactly once
def mentor_import_apply(request):
    require(can_add_mentors(request.user))
    pending = IMPORT.take(request)
    if pending is None:
        return redirect("mentors:mentor_import")
    regency = get_object_or_404(people.regencies_managed_by(request.user), pk=pending["regency"])
    preview = people_services.mentors_import_apply(actor=request.user, regency=regency, rows=pending["rows"],
                                                   role_locked_ids=selectors.territory_holder_ids(regency))
    if preview.errors:
        messages.error(request, _("Nothing was imported: the roster changed since the preview. Check the rows below."))
        form = MentorImportForm(regencies=people.regencies_managed_by(request.user))
        return render(request, "mentors/mentor_import.html", {"form": form, "preview": preview, "regency": regency})
    messages.success(request, _("Import done: %(create)d added, %(update)d updated, %(unchanged)d unchanged.")
                     % preview.summary)
    return redirect("mentors:mentor_list")
