"""The office's document settings page: letterhead, signatory, town, numbering."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from mentors.access import require
from mentors.selectors import office_regency_get_for_user
from toolkit.uploads import accepts_upload
from toolkit.versions import StaleEdit, content_version, stale_edit_response

from .access import can_set_office_settings
from .forms import OfficeDocumentsForm
from .letterhead import LOGO_MAX_BYTES, logo_data_uri
from .models import IssuedNumber, OfficeSettings
from .services import DOCUMENTS, office_settings_update


@accepts_upload(LOGO_MAX_BYTES + 256 * 1024)
def office_documents(request, code):
    """What the office's printed documents say of it; its admins set it (its staff 403, anyone else 404)."""
    regency = office_regency_get_for_user(request.user, code)
    require(can_set_office_settings(request.user, regency.pk))
    office = OfficeSettings.of(regency)
    saved_version = content_version(office)  # before the form writes the posted values onto its instance
    logo = logo_data_uri(office)
    form = OfficeDocumentsForm(request.POST or None, request.FILES or None, instance=office, regency=regency)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            office_settings_update(
                actor=request.user,
                regency=regency,
                version=request.POST.get("version", ""),
                logo_png=data["logo_upload"],
                logo_remove=data["logo_remove"],
                **{name: data[name] for name in DOCUMENTS},
            )
        except StaleEdit:
            return stale_edit_response(
                request,
                _(
                    "Another admin changed these settings while you were editing. "
                    "Nothing was saved: the form now shows the current settings."
                ),
                "offices:documents",
                code=regency.code,
            )
        messages.success(request, _("The document settings of %(regency)s are saved.") % {"regency": regency.name})
        return redirect("offices:documents", code=regency.code)
    version = request.POST.get("version", "") if request.method == "POST" else saved_version
    issued = Paginator(
        IssuedNumber.objects.filter(regency=regency).select_related("issued_by"), settings.PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "offices/documents.html",
        {"regency": regency, "form": form, "version": version, "logo": logo, "page_obj": issued},
    )
