"""Existing records under the programme's rules: the lenders' list (Himbara and BSI), each proposal's free-text
bank mapped to a lender (a bank not on the list is kept in the proposal's notes and the proposal left without a
lender, which `check_cooperatives` reports), the status "submitted" renamed "proposed" (history included), and
the land's title left as "being arranged" (its default). Nothing is deleted."""

from django.db import migrations

LENDERS = ["BRI", "BNI", "Bank Mandiri", "BTN", "BSI"]
ALIASES = {
    "bri": "BRI",
    "bank bri": "BRI",
    "bank rakyat indonesia": "BRI",
    "bni": "BNI",
    "bank bni": "BNI",
    "bank negara indonesia": "BNI",
    "mandiri": "Bank Mandiri",
    "bank mandiri": "Bank Mandiri",
    "btn": "BTN",
    "bank btn": "BTN",
    "bank tabungan negara": "BTN",
    "bsi": "BSI",
    "bank bsi": "BSI",
    "bank syariah indonesia": "BSI",
}


def forwards(apps, schema_editor):
    Lender = apps.get_model("cooperatives", "Lender")
    Proposal = apps.get_model("cooperatives", "FinancingProposal")
    History = apps.get_model("cooperatives", "HistoricalFinancingProposal")
    lenders = {name: Lender.objects.get_or_create(name=name)[0] for name in LENDERS}
    for proposal in Proposal.objects.exclude(bank=""):
        name = ALIASES.get(" ".join(proposal.bank.split()).casefold())
        if name:
            proposal.lender = lenders[name]
        else:
            proposal.notes = f"Bank (lama): {proposal.bank}\n{proposal.notes}".strip()
        proposal.save(update_fields=["lender", "notes"])
    Proposal.objects.filter(status="submitted").update(status="proposed")
    History.objects.filter(status="submitted").update(status="proposed")


def backwards(apps, schema_editor):
    Proposal = apps.get_model("cooperatives", "FinancingProposal")
    History = apps.get_model("cooperatives", "HistoricalFinancingProposal")
    for proposal in Proposal.objects.filter(lender__isnull=False).select_related("lender"):
        proposal.bank = proposal.lender.name
        proposal.save(update_fields=["bank"])
    Proposal.objects.filter(status="proposed").update(status="submitted")
    History.objects.filter(status="proposed").update(status="submitted")


class Migration(migrations.Migration):
    dependencies = [("cooperatives", "0012_programme_rules")]

    operations = [migrations.RunPython(forwards, backwards)]
