"""The office's actions on people: add, import, (de)activate and invite mentors.

The roster, a mentor's page and the edit form show what the plan in force gives a mentor, so they are
rendered one level up, by the app that knows plans (same URLs, same `mentors:` names).
"""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from regions.spreadsheets import ImportFlow, SpreadsheetError

from . import selectors, services
from .access import can_add_mentors, can_manage_mentor, require
from .forms import MentorForm, MentorImportForm

IMPORT = ImportFlow(key="mentor_import", sheet=services.MENTOR_SHEET)


def mentor_create(request):
    require(can_add_mentors(request.user))
    regencies = selectors.regencies_managed_by(request.user)
    form = MentorForm(request.POST or None, regencies=regencies)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in services.MENTOR_FIELDS}
        mentor = services.mentor_create(actor=request.user, regency=form.cleaned_data["regency"], **data)
        messages.success(request, _("%(name)s was added to the roster.") % {"name": mentor.full_name})
        return redirect(mentor)
    return render(request, "mentors/mentor_form.html", {"form": form})


def _managed_mentor(request, pk):
    """Only admins change mentors (403 for everyone else, whatever the id); a mentor outside the admin's
    regencies answers 404."""
    require(can_add_mentors(request.user))
    mentor = selectors.mentor_get_for_manager(request.user, pk)
    require(can_manage_mentor(request.user, mentor))
    return mentor


@require_POST
def mentor_deactivate(request, pk):
    mentor = _managed_mentor(request, pk)
    services.mentor_deactivate(actor=request.user, mentor=mentor)
    messages.success(request, _("%(name)s is now inactive and can no longer sign in.") % {"name": mentor.full_name})
    return redirect(mentor)


@require_POST
def mentor_activate(request, pk):
    mentor = _managed_mentor(request, pk)
    services.mentor_activate(actor=request.user, mentor=mentor)
    messages.success(request, _("%(name)s is active again.") % {"name": mentor.full_name})
    return redirect(mentor)


@require_POST
def mentor_invite(request, pk):
    mentor = _managed_mentor(request, pk)
    try:
        email = services.mentor_invite(actor=request.user, mentor=mentor)
    except services.InvitationError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("An invitation was sent to %(email)s. Earlier links no longer work.")
                         % {"email": email})
    return redirect(mentor)


def mentor_import(request):
    require(can_add_mentors(request.user))
    form = MentorImportForm(request.POST or None, request.FILES or None,
                            regencies=selectors.regencies_managed_by(request.user))
    context = {"form": form}
    if request.method == "POST" and form.is_valid():
        regency = form.cleaned_data["regency"]
        try:
            preview, token = IMPORT.preview(
                request, form.cleaned_data["file"],
                lambda rows: services.mentors_import_check(regency=regency, rows=rows), regency=regency.pk)
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
    regency = get_object_or_404(selectors.regencies_managed_by(request.user), pk=pending["regency"])
    preview = services.mentors_import_apply(actor=request.user, regency=regency, rows=pending["rows"])
    if preview.errors:
        messages.error(request, _("Nothing was imported: the roster changed since the preview. Check the rows below."))
        form = MentorImportForm(regencies=selectors.regencies_managed_by(request.user))
        return render(request, "mentors/mentor_import.html", {"form": form, "preview": preview, "regency": regency})
    messages.success(request, _("Import done: %(create)d added, %(update)d updated, %(unchanged)d unchanged.")
                     % preview.summary)
    return redirect("mentors:mentor_list")
