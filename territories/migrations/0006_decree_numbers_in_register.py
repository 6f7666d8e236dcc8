"""The decree numbers typed for published plans before the register knew typed numbers: each one in its office's
pattern is entered in the register (with its year and sequence) and the year's sequence moves past it, so that the
register never gives it again. A number that repeats one already entered is left as it is (the first keeps it)."""

from django.db import migrations
from django.db.models import Max

from offices.services import number_parse


def forward(apps, schema_editor):
    TerritoryPlan = apps.get_model("territories", "TerritoryPlan")
    OfficeSettings = apps.get_model("offices", "OfficeSettings")
    IssuedNumber = apps.get_model("offices", "IssuedNumber")
    DocumentSequence = apps.get_model("offices", "DocumentSequence")
    patterns = dict(OfficeSettings.objects.exclude(number_pattern="").values_list("regency_id", "number_pattern"))
    plans = (TerritoryPlan.objects.filter(regency_id__in=list(patterns)).exclude(decree_number="")
             .exclude(status="draft").order_by("published_at", "pk"))
    for plan in plans:
        parsed = number_parse(patterns[plan.regency_id], plan.decree_number)
        if parsed is None:
            continue
        year, sequence = parsed
        if IssuedNumber.objects.filter(regency_id=plan.regency_id, year=year, sequence=sequence).exists():
            continue
        day = plan.decree_date or (plan.published_at.date() if plan.published_at else plan.effective_from)
        document = f"Keputusan tentang {plan.decree_subject}" if plan.decree_subject else f"Keputusan: {plan.name}"
        IssuedNumber.objects.create(regency_id=plan.regency_id, year=year, sequence=sequence,
                                    number=plan.decree_number[:120], document=document[:250], issued_on=day,
                                    typed=True, issued_by_id=plan.published_by_id)
    for regency_id, year, last in (IssuedNumber.objects.values_list("regency_id", "year")
                                   .annotate(last=Max("sequence")).values_list("regency_id", "year", "last")):
        counter, _created = DocumentSequence.objects.get_or_create(regency_id=regency_id, year=year)
        if counter.last < last:
            counter.last = last
            counter.save(update_fields=["last"])


class Migration(migrations.Migration):
    dependencies = [
        ("territories", "0005_ba_territory_villages_held"),
        ("offices", "0004_issued_number_typed"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
