"""`manage.py loadtest`: a bounded load test of the main pages against gunicorn with production settings.

It starts gunicorn on a loopback port (DEBUG off, the database of DATABASE_URL), signs one user of each role in
(sessions written to that database), then for each page runs `--concurrency` clients for `--seconds` and
prints throughput, latency percentiles, errors and the page's throughput divided by that of `/health/` (a
trivial view) in the same run, and the gunicorn workers' memory before and after. Only loopback addresses are
ever targeted, and every loop is bounded in time.
"""

import http.client
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import override_settings
from django.utils import timezone

from reporting.figures import figures_refresh
from territories import coverage

from .benchmark import percentile, pick_personas, pick_regency

LOOPBACK = "127.0.0.1"
BOOT_SECONDS = 120
HOME_SHARE = 0.10  # an office, PMO or BA home serves at least this share of /health/'s requests per second
RECAP_WORKER_SECONDS = 1.0  # the national recap never holds a worker longer than this
RECAP_ALONE = 5  # requests of each recap page, one at a time


@dataclass
class Run:
    label: str
    path: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _workers(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


class Command(BaseCommand):
    help = ("Load-test the main pages of every role against gunicorn on a loopback port (production settings), "
            "with /health/ as the yardstick. Bounded: --seconds per page.")

    def add_arguments(self, parser):
        parser.add_argument("--regency", metavar="CODE", help="the regency of the office pages (default: largest)")
        parser.add_argument("--seconds", type=float, default=5.0, help="per page (default 5, at most 60)")
        parser.add_argument("--concurrency", type=int, default=8, help="clients at once (default 8, at most 64)")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
        parser.add_argument("--max-requests", type=int, default=0,
                            help="gunicorn --max-requests (0: workers are never recycled)")
        parser.add_argument("--refresh-every", type=float, default=50.0, metavar="SECONDS",
                            help="run refresh_figures every SECONDS during the test, as production's timer does "
                                 "(default 50; 0: never, so pages refresh the figures themselves)")

    def handle(self, *args, regency, seconds, concurrency, workers, max_requests, refresh_every, **options):
        if not 0 < seconds <= 60 or not 0 < concurrency <= 64:
            raise CommandError("--seconds must be in (0, 60] and --concurrency in [1, 64].")
        chosen = pick_regency(regency)
        plan = coverage.active_plan(chosen)
        people = pick_personas(chosen, plan)
        key = os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50)  # gunicorn and the sessions share it
        with override_settings(SECRET_KEY=key):
            cookies = {role: self._session(user) for role, user in people.items()
                       if role in {"superuser", "admin", "staff", "pmo", "ba"} and user is not None}
        pages = [("trivial", "/health/", None)]
        pages += [(f"{role} home", "/", role) for role in ("admin", "staff", "pmo", "ba") if role in cookies]
        pages += [(label, path, role) for label, path, role in (
            ("national home", "/", "superuser"), ("admin registry", "/cooperatives/", "admin"),
            ("pmo registry", "/cooperatives/", "pmo"), ("ba registry", "/cooperatives/", "ba"),
            ("pmo reports", "/reports/", "pmo"), ("staff reports", "/reports/", "staff"),
            ("admin roster", "/mentors/", "admin"), ("ba follow-ups", "/follow-ups/", "ba"),
            ("national registry", "/cooperatives/", "superuser"), ("national reports", "/reports/", "superuser"),
            ("admin dashboard", "/dashboard/", "admin"), ("national dashboard", "/dashboard/", "superuser"),
            ("pmo dashboard", "/dashboard/", "pmo"), ("ba dashboard", "/dashboard/", "ba"),
            ("admin map data", f"/map/data/?regency={chosen.code}", "admin"),
            ("national recap", "/reports/recap/", "superuser"),
        ) if role in cookies]
        # The national recap alone, one request at a time (what a worker spends on it, with no queue in front):
        # last month's (kept rows), the open month's and the download.
        recaps = [f"/reports/recap/{query}" for query in ("", f"?month={timezone.localdate():%Y-%m}", "?format=xlsx")]
        self.refreshes: list[float] = []
        port = _free_port()
        server = self._gunicorn(port, workers, max_requests, key)
        stop = threading.Event()
        timer = threading.Thread(target=self._refresh_timer, args=(refresh_every, stop), daemon=True)
        try:
            if refresh_every > 0:
                timer.start()
            self._wait(port)
            for _label, path, role in pages:  # warm every worker's caches once
                for _ in range(workers * 5):
                    self._request(port, path, cookies.get(role))
            before = {pid: _rss_kb(pid) for pid in _workers(server.pid)}
            runs = [self._load(port, label, path, cookies.get(role), seconds, concurrency)
                    for label, path, role in pages]
            runs.append(self._load(port, "trivial (again)", "/health/", None, seconds, concurrency))
            alone = {path: max(self._request(port, path, cookies["superuser"])[1] for _ in range(RECAP_ALONE))
                     for path in recaps} if "superuser" in cookies else {}
            after = {pid: _rss_kb(pid) for pid in _workers(server.pid)}
        finally:
            stop.set()
            if timer.is_alive():
                timer.join(timeout=60)
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        self._report(chosen, runs, before, after, seconds, concurrency, workers, max_requests)
        if alone:
            self.stdout.write(f"national recap alone, slowest of {RECAP_ALONE} requests one at a time (target "
                              f"{RECAP_WORKER_SECONDS:g} s): " + ", ".join(
                                  f"{path} {seconds * 1000:.0f} ms "
                                  f"{'ok' if seconds <= RECAP_WORKER_SECONDS else 'OVER'}"
                                  for path, seconds in alone.items()))

    def _refresh_timer(self, every: float, stop: threading.Event) -> None:
        """Production's minute timer (`manage.py refresh_figures`), in a thread of this command."""
        try:
            while not stop.is_set():
                started = time.monotonic()
                figures_refresh()
                self.refreshes.append(time.monotonic() - started)
                stop.wait(every)
        finally:
            connection.close()

    def _session(self, user) -> str:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"

    def _gunicorn(self, port, workers, max_requests, key) -> subprocess.Popen:
        # The same MFA key as this process: the secrets in the database were encrypted with it.
        env = {**os.environ, "DEBUG": "false", "ALLOWED_HOSTS": LOOPBACK, "SECRET_KEY": key,
               "MFA_ENCRYPTION_KEYS": ",".join(settings.MFA_ENCRYPTION_KEYS)}
        # With DEBUG off the pages name the hashed static files: the manifest must exist.
        subprocess.run([sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"], cwd=settings.BASE_DIR,
                       env=env, check=True)
        command = [sys.executable, "-m", "gunicorn", "koperasi_portal.wsgi", "--bind", f"{LOOPBACK}:{port}",
                   "--workers", str(workers), "--no-control-socket", "--access-logfile", "/dev/null",
                   "--error-logfile", "-"]
        if max_requests:
            command += ["--max-requests", str(max_requests), "--max-requests-jitter", str(max(1, max_requests // 10))]
        return subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, stdout=subprocess.DEVNULL)

    def _wait(self, port):
        # Workers start slowly on a busy machine (importing the portal under a load of 15 took over 30 s).
        deadline, last = time.monotonic() + BOOT_SECONDS, "no answer"
        while time.monotonic() < deadline:
            try:
                status = self._request(port, "/health/", None)[0]
                if status == 200:
                    return
                last = f"status {status}"
            except OSError as error:
                last = str(error)
            time.sleep(0.2)
        raise CommandError(f"gunicorn did not answer 200 on /health/ within {BOOT_SECONDS} s ({last}).")

    @staticmethod
    def _request(port, path, cookie) -> tuple[int, float]:
        connection = http.client.HTTPConnection(LOOPBACK, port, timeout=30)
        started = time.perf_counter()
        try:
            connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
            response = connection.getresponse()
            response.read()
            return response.status, time.perf_counter() - started
        finally:
            connection.close()

    def _load(self, port, label, path, cookie, seconds, concurrency) -> Run:
        run = Run(label, path)
        lock = threading.Lock()
        deadline = time.monotonic() + seconds

        def client():
            while time.monotonic() < deadline:
                try:
                    status, elapsed = self._request(port, path, cookie)
                except OSError:
                    status, elapsed = 0, 0.0
                with lock:
                    if status == 200:
                        run.latencies.append(elapsed)
                    else:
                        run.errors += 1

        started = time.monotonic()
        threads = [threading.Thread(target=client) for _ in range(concurrency)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=seconds + 60)
        run.seconds = time.monotonic() - started
        return run

    def _report(self, regency, runs, before, after, seconds, concurrency, workers, max_requests):
        trivial = statistics.mean(r.throughput for r in runs if r.path == "/health/") or 1.0
        self.stdout.write(f"Regency {regency.code} {regency.name}; gunicorn {workers} workers (DEBUG off"
                          f"{f', max_requests {max_requests}' if max_requests else ''}), {concurrency} clients, "
                          f"{seconds:g} s per page, loopback only.")
        self.stdout.write(f"{'page':<20} {'path':<16} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
                          f"{'errors':>6} {'÷ trivial':>9}")
        for run in runs:
            ms = [value * 1000 for value in run.latencies] or [0.0]
            self.stdout.write(f"{run.label:<20} {run.path:<16} {run.throughput:8.1f} {percentile(ms, 0.5):8.1f} "
                              f"{percentile(ms, 0.95):8.1f} {percentile(ms, 0.99):8.1f} {run.errors:6d} "
                              f"{run.throughput / trivial:9.3f}")
        growth = [(after[pid] - before[pid]) / before[pid] * 100 for pid in before if pid in after and before[pid]]
        self.stdout.write("worker RSS before: " + ", ".join(f"{kb / 1024:.0f} MB" for kb in before.values()))
        self.stdout.write("worker RSS after:  " + ", ".join(f"{kb / 1024:.0f} MB" for kb in after.values())
                          + (f"  (growth {max(growth):+.1f} % at most)" if growth else
                             "  (workers were recycled: compare with --max-requests 0)"))
        if self.refreshes:
            self.stdout.write(f"figures refreshed {len(self.refreshes)} times by the timer thread, "
                              f"{statistics.median(self.refreshes):.2f} s each (median)")
        # The homes' target (issue 21): each at least HOME_SHARE of /health/'s throughput in the same run.
        homes = [run for run in runs if run.label in ("admin home", "staff home", "pmo home", "ba home")]
        self.stdout.write(f"homes against the target ({HOME_SHARE} of /health/): " + ", ".join(
            f"{run.label} {run.throughput / trivial:.3f} {'ok' if run.throughput / trivial >= HOME_SHARE else 'UNDER'}"
            for run in homes))
        errors = sum(run.errors for run in runs)
        self.stdout.write(f"{sum(len(r.latencies) for r in runs):,} requests, {errors} errors.")
        if errors:
            raise CommandError(f"{errors} requests failed.")
