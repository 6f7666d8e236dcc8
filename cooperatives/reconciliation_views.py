"""Pages of the reconciliation with the national registry (reconciliation.py): the regency's page (column mapping,
upload, earlier runs) and a run's three lists, where the office accepts differences."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mentors.access import access_for, require
from mentors.selectors import office_regency_get_for_user, regencies_seen_by_office
from toolkit.spreadsheets import IMPORT_REQUEST_MAX_BYTES, SpreadsheetError
from toolkit.uploads import accepts_upload

from . import reconciliation
from .forms import ReconciliationMappingForm, ReconciliationUploadForm
from .models import ReconciliationRow, ReconciliationRun, ReconciliationSource

SOURCE = ReconciliationSource.SIMKOPDES
LISTS = [(ReconciliationRow.Kind.DIFFERS, "differ_count"), (ReconciliationRow.Kind.PORTAL_ONLY, "portal_only_count"),
         (ReconciliationRow.Kind.EXPORT_ONLY, "export_only_count")]


def reconciliation_index(request):
    """The office's way in: its regency's page, or the list of its regencies when it has several."""
    require(access_for(request.user).is_office)
    regencies = list(regencies_seen_by_office(request.user)[:200])
    if len(regencies) == 1:
        return redirect("cooperatives:reconciliation_regency", code=regencies[0].code)
    return render(request, "cooperatives/reconciliation_index.html", {"regencies": regencies})


def _mapping_form(regency, data=None):
    mapping = reconciliation.mapping_for(regency, SOURCE)
    columns = mapping.columns if mapping is not None and mapping.columns else reconciliation.default_columns()
    return ReconciliationMappingForm(data, fields=reconciliation.FIELDS, initial_columns=columns), mapping


def _regency_page(request, regency, *, mapping_form=None, upload_form=None, status=200):
    form, mapping = _mapping_form(regency)
    runs = Paginator(ReconciliationRun.objects.filter(regency=regency, source=SOURCE).select_related("uploaded_by"),
                     settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cooperatives/reconciliation_regency.html", {
        "regency": regency, "mapping": mapping, "mapping_form": mapping_form or form,
        "upload_form": upload_form or ReconciliationUploadForm(), "page_obj": runs,
        "can_reconcile": reconciliation.can_reconcile(request.user, regency.pk),
        "source_label": ReconciliationSource(SOURCE).label}, status=status)


def reconciliation_regency(request, code):
    """The regency's runs; its admins also choose the columns and upload an export (its staff read, others 404)."""
    regency = office_regency_get_for_user(request.user, code)
    require(reconciliation.can_view_reconciliation(request.user, regency.pk))
    return _regency_page(request, regency)


@require_POST
def reconciliation_mapping(request, code):
    regency = office_regency_get_for_user(request.user, code)
    require(reconciliation.can_reconcile(request.user, regency.pk))
    form, _mapping = _mapping_form(regency, request.POST)
    if not form.is_valid():
        return _regency_page(request, regency, mapping_form=form, status=400)
    reconciliation.reconciliation_mapping_save(actor=request.user, regency=regency, source=SOURCE,
                                               columns=form.cleaned_data)
    messages.success(request, _("The column mapping is saved; it is used for every export of %(regency)s.")
                     % {"regency": regency.name})
    return redirect("cooperatives:reconciliation_regency", code=regency.code)


@require_POST
@accepts_upload(IMPORT_REQUEST_MAX_BYTES)
def reconciliation_upload(request, code):
    regency = office_regency_get_for_user(request.user, code)
    require(reconciliation.can_reconcile(request.user, regency.pk))
    form = ReconciliationUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            run = reconciliation.reconciliation_run_create(actor=request.user, regency=regency,
                                                           upload=form.cleaned_data["file"], source=SOURCE)
        except SpreadsheetError as error:
            form.add_error("file", str(error))
        else:
            return redirect(run)
    return _regency_page(request, regency, upload_form=form, status=400)


def _run_for_user(user, pk) -> ReconciliationRun:
    return get_object_or_404(reconciliation.runs_visible_to(user).select_related("regency", "uploaded_by"), pk=pk)


def reconciliation_detail(request, pk):
    """A run's lists, one at a time (`?list=`), paginated."""
    run = _run_for_user(request.user, pk)
    require(reconciliation.can_view_reconciliation(request.user, run.regency_id))
    kinds = [kind for kind, _count in LISTS]
    kind = request.GET.get("list") if request.GET.get("list") in kinds else ReconciliationRow.Kind.DIFFERS
    page_obj = Paginator(reconciliation.run_rows(run, kind), settings.PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"row": row, "differences": reconciliation.row_differences(row)} for row in page_obj]
    for item in rows:
        item["acceptable"] = any(d["acceptable"] for d in item["differences"])
    columns = [(name, reconciliation.field_label(name)) for name in reconciliation.FIELDS if name in run.columns]
    for item in rows:
        item["cells"] = [(label, item["row"].values.get(name, "")) for name, label in columns]
    return render(request, "cooperatives/reconciliation_detail.html", {
        "run": run, "kind": kind, "page_obj": page_obj, "rows": rows, "columns": columns,
        "tabs": [(value, ReconciliationRow.Kind(value).label, getattr(run, count)) for value, count in LISTS],
        "can_reconcile": reconciliation.can_reconcile(request.user, run.regency_id),
        "any_acceptable": any(item["acceptable"] for item in rows),
    })


@require_POST
def reconciliation_accept(request, pk):
    """Accept the ticked differences, or every difference of the rows on the page (`all`)."""
    run = _run_for_user(request.user, pk)
    require(reconciliation.can_reconcile(request.user, run.regency_id))
    if request.POST.get("all"):
        values = [f"{pk}:{name}" for pk in request.POST.getlist("row") for name in reconciliation.COMPARED]
    else:
        values = request.POST.getlist("accept")
    choices = reconciliation.posted_choices(values)
    if not choices:
        messages.error(request, _("Tick the differences to accept first."))
    else:
        counts = reconciliation.reconciliation_accept(actor=request.user, run=run, choices=choices)
        messages.success(request, _("%(applied)d accepted and written to the records, %(unchanged)d already held, "
                                    "%(refused)d refused (the reason is shown beside each).") % counts)
    page = request.POST.get("page", "")
    url = f"{run.get_absolute_url()}?list={ReconciliationRow.Kind.DIFFERS}"
    return redirect(f"{url}&page={page}" if page.isdigit() else url)
