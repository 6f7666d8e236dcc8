"""The office's actions on people: add, (de)activate and invite mentors; the office accounts of a regency.

The roster, a mentor's page and the edit form show what the plan in force gives a mentor, so they are
rendered one level up, by the app that knows plans (same URLs, same `mentors:` names); so is the import, which
refuses to change the role of a mentor who holds a work territory.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from toolkit.versions import StaleEdit, stale_edit_response

from . import selectors, services
from .access import (
    access_for,
    can_add_mentors,
    can_manage_mentor,
    can_manage_office,
    can_manage_office_accounts,
    can_renew_contracts,
    require,
)
from .forms import ContractRenewForm, MentorForm, OfficeAccountForm
from .models import Membership


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
    regencies answers 404. A province or national reader is answered by their scope first: 404 outside it, 403
    inside."""
    require(can_add_mentors(request.user) or access_for(request.user).is_reader)
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


# --- office accounts ------------------------------------------------------------------------------------------


def office_index(request):
    """The regencies whose office accounts the admin manages; with only one, its page at once."""
    require(can_manage_office_accounts(request.user))
    page = Paginator(selectors.office_regencies_managed_by(request.user), settings.PAGE_SIZE).get_page(
        request.GET.get("page"))
    if page.paginator.count == 1:
        return redirect("mentors:office_accounts", code=page[0].code)
    return render(request, "mentors/office_index.html", {"page_obj": page})


def _office_regency(request, code):
    """404 unless the user works in this regency's office, then 403 unless they are one of its admins."""
    regency = selectors.office_regency_get_for_user(request.user, code)
    require(can_manage_office(request.user, regency.pk))
    return regency


# What each recorded change did, by the reason the service recorded (changes made in the data admin have none).
OFFICE_CHANGES = {
    ("+", ""): gettext_lazy("added as %(role)s"),
    ("+", "added"): gettext_lazy("added as %(role)s"),
    ("~", "invited"): gettext_lazy("invitation sent"),
    ("~", "role"): gettext_lazy("role changed to %(role)s"),
    ("~", "suspended"): gettext_lazy("suspended: account blocked and signed out everywhere"),
    ("~", "reactivated"): gettext_lazy("reactivated"),
    ("~", ""): gettext_lazy("changed in the data admin (role: %(role)s)"),
    ("-", "suspended"): gettext_lazy("suspended: removed from this office (the account stays for their other roles)"),
    ("-", "cleared"): gettext_lazy("removed: the suspended account was reactivated by another office"),
    ("-", ""): gettext_lazy("removed"),
}


def _office_changes(page) -> list[dict]:
    changes = []
    for record in page:
        kind = OFFICE_CHANGES.get((record.history_type, record.history_change_reason or ""),
                                  OFFICE_CHANGES[(record.history_type, "")])
        changes.append({"record": record, "person": record.user,
                        "what": str(kind) % {"role": record.get_role_display()}})
    return changes


def office_accounts(request, code):
    regency = _office_regency(request, code)
    accounts = Paginator(selectors.office_accounts(regency), settings.PAGE_SIZE).get_page(request.GET.get("page"))
    log = Paginator(selectors.office_changes(regency), 20).get_page(request.GET.get("changes"))
    context = {"regency": regency, "page_obj": accounts, "log": log, "changes": _office_changes(log),
               "roles": Membership.Role}
    return render(request, "mentors/office_accounts.html", context)


def office_account_create(request, code):
    regency = _office_regency(request, code)
    form = OfficeAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            added = services.office_account_add(actor=request.user, regency=regency, **form.cleaned_data)
        except services.OfficeAccountError as error:
            form.add_error(error.field, str(error))
        else:
            values = {"name": added.membership.user, "email": added.membership.user.email, "regency": regency.name,
                      "role": added.membership.get_role_display()}
            if added.invited:
                messages.success(request, _("%(name)s was added as %(role)s. An invitation to choose a password was "
                                            "sent to %(email)s.") % values)
            else:
                messages.success(request, _("%(email)s already had an account: %(name)s can now open %(regency)s as "
                                            "%(role)s, with the password they already use.") % values)
            return redirect("mentors:office_accounts", code=regency.code)
    return render(request, "mentors/office_account_form.html", {"form": form, "regency": regency})


def _office_action(request, code, pk, act):
    """Run `act(membership, version)` on an office account of the regency; its refusal becomes the page's message.
    Whoever just took away their own access goes home instead of back to the list."""
    regency = _office_regency(request, code)
    membership = selectors.office_account_get(regency, pk)
    try:
        message = act(membership, request.POST.get("version", ""))
    except StaleEdit:
        return stale_edit_response(request, _("Someone else changed this account while you were looking at the list. "
                                              "Nothing was changed: check the list as it is now and try again."),
                                   "mentors:office_accounts", code=regency.code)
    except services.OfficeAccountError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, message)
        if membership.user_id == request.user.pk:  # their own roles have just changed: read them again
            del request.user._portal_access
            if not can_manage_office(request.user, regency.pk):
                return redirect("home")
    return redirect("mentors:office_accounts", code=regency.code)


@require_POST
def office_account_invite(request, code, pk):
    def act(membership, version):
        email = services.office_account_invite(actor=request.user, membership=membership, version=version)
        return _("An invitation was sent to %(email)s. Earlier links no longer work.") % {"email": email}

    return _office_action(request, code, pk, act)


@require_POST
def office_account_role(request, code, pk):
    def act(membership, version):
        membership = services.office_account_set_role(actor=request.user, membership=membership, version=version,
                                                      role=request.POST.get("role", ""))
        return _("%(name)s is now %(role)s.") % {"name": membership.user, "role": membership.get_role_display()}

    return _office_action(request, code, pk, act)


@require_POST
def office_account_suspend(request, code, pk):
    def act(membership, version):
        outcome = services.office_account_suspend(actor=request.user, membership=membership, version=version)
        values = {"name": membership.user, "regency": membership.regency.name}
        if outcome == "blocked":
            return _("%(name)s is suspended: their account is blocked and signed out on every device.") % values
        return _("%(name)s no longer has access to %(regency)s. Their account stays for their other roles in the "
                 "portal.") % values

    return _office_action(request, code, pk, act)


@require_POST
def office_account_reactivate(request, code, pk):
    def act(membership, version):
        membership = services.office_account_reactivate(actor=request.user, membership=membership, version=version)
        values = {"name": membership.user, "regency": membership.regency.name}
        if membership.user.has_usable_password():
            return _("%(name)s can sign in to %(regency)s again.") % values
        return _("%(name)s is active again but has not chosen a password yet: send them a new invitation.") % values

    return _office_action(request, code, pk, act)


def contract_renew(request):
    """Renew contracts in bulk: tick the mentors (those whose contract ends within 60 days or has ended, or all),
    choose the new end, and every one is renewed in its history, or none. (Or the Excel round trip: the roster's
    export, its contract end changed, through the import's preview: the page links them by their place beside it,
    `export.xlsx` and `import/` under /mentors/, as the roster is rendered by the app that knows plans.)

    The page is this app's own, so the contracts e-mail links to it (`services.contract_warnings_send`)."""
    require(can_renew_contracts(request.user))
    today = timezone.localdate()
    show = "all" if request.GET.get("show") == "all" else "due"
    mentors = selectors.mentors_to_renew(request.user, today=today, show=show)
    form = ContractRenewForm(request.POST or None, mentors=mentors)
    if request.method == "POST" and form.is_valid():
        chosen = list(form.cleaned_data["mentors"])
        try:
            services.contracts_renew(actor=request.user, mentors=chosen,
                                     contract_end=form.cleaned_data["contract_end"], today=today)
        except services.RenewalError as error:
            form.add_error("contract_end", str(error))
        else:
            messages.success(request, _("%(count)d contracts renewed until %(day)s.") % {
                "count": len(chosen), "day": form.cleaned_data["contract_end"].strftime("%d-%m-%Y")})
            return redirect(request.get_full_path())
    page = Paginator(mentors, 200).get_page(request.GET.get("page"))
    chosen = {str(pk) for pk in form["mentors"].value() or []}
    return render(request, "mentors/contract_renew.html", {
        "form": form, "page_obj": page, "show": show, "today": today, "chosen": chosen,
        "soon": today + timedelta(days=30), "export_url": "../export.xlsx", "import_url": "../import/"})
