"""Two portal nodes behind nginx: a mixed load, one node killed midway, and what the database kept.

    .venv/bin/python scripts/two_nodes.py [--seconds 25] [--concurrency 8]

What it does, on this machine only (every request goes to a loopback address):

1. Checks for Debian's nginx (installs it with apt-get when run as root), PostgreSQL on 127.0.0.1:5432 and Redis
   on 127.0.0.1:6379, and fails with a message when one is missing.
2. Creates the scratch database `koperasi_two_nodes` (dropped first), flushes Redis database 3, and runs
   `migrate`, `import_regions 32.02`, `demo` and `collectstatic` with production settings (DEBUG off, a random
   SECRET_KEY and MFA_ENCRYPTION_KEYS, REDIS_URL, TRUSTED_PROXY_COUNT=1, MEDIA_ROOT in a temporary directory that
   both nodes share).
3. Starts two gunicorn nodes (127.0.0.1:8101 and :8102, the flags of the README) and nginx on 127.0.0.1:8100
   in front of them, from a configuration written to the temporary directory.
4. Checks the sign-in limit across nodes: 10 wrong passwords for one account, spread over both nodes, then the
   right password is refused with the lockout message (from another address too), while another account still
   signs in from the same address.
5. Runs a bounded load (in time and in requests): Business Assistants sign in and record visits through the
   visit form, some forms posted twice (one after the other, or both at once), and office staff and a PMO read
   the home page and the dashboard. Halfway through, one node is killed (SIGKILL to its process group).
6. Reads the database: every visit whose POST was answered "saved" must be there exactly once, and no visit
   twice. Prints the figures and exits 1 when a check fails.

Whatever happens, nginx and gunicorn are stopped, the scratch database dropped and Redis database 3 flushed.
"""

import argparse
import dataclasses
import http.client
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
NGINX = Path("/usr/sbin/nginx")
HOST = "127.0.0.1"
PROXY_PORT, NODE_PORTS = 8100, (8101, 8102)
ORIGIN = f"http://{HOST}:{PROXY_PORT}"
DATABASE = "koperasi_two_nodes"
POSTGRES = f"postgres://postgres@{HOST}:5432"
REDIS_PORT, REDIS_DB = 6379, 3
REGENCY = "32.02"
# Each simulated person connects from an address of their own, as different people do (all of 127.0.0.0/8 is
# this machine): the sign-in limits count per address, and the load must not all come from one address.
CHECK_ADDRESS, OTHER_ADDRESS, FIRST_LOAD_ADDRESS = "127.0.0.2", "127.0.0.3", 10
MAX_REQUESTS = 20_000  # the load stops at this many requests even if time remains
REQUEST_TIMEOUT = 40  # above gunicorn's 30 s worker timeout
LOCKOUT_TEXT = ("Too many failed sign-in attempts", "Too many failed login attempts")
SAVED = re.compile(r"^/cooperatives/(\d+)/#visit-(\d+)$")
# The caller's own values of these are not passed on: the run sets what it needs and takes the defaults otherwise.
PORTAL_SETTINGS = ("DB_", "DATABASE_", "REDIS_", "CACHE_", "SIGNIN_", "SECURE_", "BEHIND_", "TRUSTED_", "CSRF_",
                   "ALLOWED_", "EMAIL_", "FILE_STORAGE_", "MEDIA_", "MFA_", "REQUEST_MAX", "HEALTHZ_", "FIGURES_")


def fail(message: str) -> "SystemExit":
    return SystemExit(f"two_nodes: {message}")


# --- what the machine must have -----------------------------------------------------------------------------


def require_nginx() -> None:
    if NGINX.exists():
        return
    if os.geteuid() != 0:
        raise fail(f"{NGINX} is missing: install Debian's nginx package (apt-get install -y nginx) as root.")
    print("Installing Debian's nginx (apt-get install -y nginx) ...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(["apt-get", "install", "-y", "-q", "nginx"], check=True, env=env, stdout=subprocess.DEVNULL)
    if not NGINX.exists():
        raise fail(f"{NGINX} is still missing after apt-get install nginx.")


def require_postgres(url: str) -> None:
    try:
        with psycopg.connect(f"{url}/postgres", connect_timeout=5) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as error:
        raise fail(f"PostgreSQL does not answer at {url}: {error}".strip()) from error


def redis(*commands: tuple[str, ...]) -> list[bytes]:
    """Send commands to Redis on the loopback (its plain-text protocol) and return the first line of each reply."""
    payload = b"".join(
        f"*{len(command)}\r\n".encode() + b"".join(f"${len(part)}\r\n{part}\r\n".encode() for part in command)
        for command in commands)
    with socket.create_connection((HOST, REDIS_PORT), timeout=5) as sock:
        sock.sendall(payload)
        replies, buffer = [], b""
        while len(replies) < len(commands):
            chunk = sock.recv(4096)
            if not chunk:
                break
            buffer += chunk
            *lines, buffer = buffer.split(b"\r\n")
            replies += lines
    return replies[:len(commands)]


def redis_flush() -> None:
    replies = redis(("SELECT", str(REDIS_DB)), ("FLUSHDB",))
    if replies != [b"+OK", b"+OK"]:
        raise fail(f"Redis on {HOST}:{REDIS_PORT} refused to empty database {REDIS_DB}: {replies!r}")


def require_redis() -> None:
    try:
        reply = redis(("PING",))
    except OSError as error:
        raise fail(f"Redis does not answer on {HOST}:{REDIS_PORT}: {error}") from error
    if reply != [b"+PONG"]:
        raise fail(f"Redis on {HOST}:{REDIS_PORT} answered {reply!r} to PING.")


def require_free_ports() -> None:
    for port in (PROXY_PORT, *NODE_PORTS):
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as nginx and gunicorn: TIME_WAIT is fine
            try:
                probe.bind((HOST, port))
            except OSError as error:
                raise fail(f"{HOST}:{port} is already in use ({error.strerror}).") from error


# --- the deployment -----------------------------------------------------------------------------------------


def database_recreate(url: str, name: str, *, create: bool = True) -> None:
    with psycopg.connect(f"{url}/postgres", autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            conn.execute(f'CREATE DATABASE "{name}"')


def manage(env: dict, *args: str) -> str:
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, text=True,
                            capture_output=True)
    if result.returncode:
        sys.stderr.write(result.stdout[-3000:] + result.stderr[-3000:])
        raise fail(f"manage.py {' '.join(args)} failed (exit {result.returncode}).")
    return result.stdout


def demo_logins(output: str) -> tuple[str, dict[str, str]]:
    """The password and the e-mail per role, as `manage.py demo` prints them."""
    password = re.search(r"password for all: (\S+)", output)
    logins = dict(re.findall(r"^\s+(superuser|admin|staff|pmo|ba)\s+(\S+@\S+)$", output, re.MULTILINE))
    if not password or not {"staff", "pmo", "ba"} <= logins.keys():
        raise fail("manage.py demo did not print the demo logins this script expects:\n" + output[-2000:])
    return password.group(1), logins


def start_node(port: int, env: dict, workdir: Path) -> subprocess.Popen:
    """One node: gunicorn with the README's flags, in a process group of its own (so that it can be killed whole,
    master and workers, as a machine that dies would be)."""
    name = f"node-{port}"
    command = [sys.executable, "-m", "gunicorn", "koperasi_portal.wsgi", "--bind", f"{HOST}:{port}",
               "--workers", "2", "--timeout", "30", "--graceful-timeout", "30",
               "--max-requests", "1000", "--max-requests-jitter", "100", "--no-control-socket",
               "--access-logfile", str(workdir / f"{name}-access.log"),
               "--error-logfile", str(workdir / f"{name}-error.log")]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=open(workdir / f"{name}-stderr.log", "wb"), start_new_session=True)


def nginx_config(workdir: Path) -> str:
    """The configuration of docs/deployment.md on plain HTTP and loopback ports, with every path in `workdir`
    and one test-only header naming the node that answered."""
    user = "user root root;\n" if os.geteuid() == 0 else ""  # workers run as the user who runs this script
    servers = "\n".join(f"        server {HOST}:{port} max_fails=1 fail_timeout=10s;" for port in NODE_PORTS)
    return f"""# Written by scripts/two_nodes.py; removed when it ends.
{user}worker_processes 1;
daemon off;
pid {workdir}/nginx.pid;
error_log {workdir}/nginx-error.log warn;
events {{ worker_connections 512; }}
http {{
    log_format nodes '$remote_addr "$request" $status upstream=$upstream_addr ($upstream_status) '
                     '$request_time s xff="$proxy_add_x_forwarded_for"';
    access_log {workdir}/nginx-access.log nodes;
    client_body_temp_path {workdir}/client_body;
    proxy_temp_path {workdir}/proxy;
    fastcgi_temp_path {workdir}/fastcgi;
    uwsgi_temp_path {workdir}/uwsgi;
    scgi_temp_path {workdir}/scgi;
    server_tokens off;

    upstream koperasi {{
{servers}
        keepalive 16;
    }}

    server {{  # any other name: no answer
        listen {HOST}:{PROXY_PORT} default_server;
        return 444;
    }}

    server {{
        listen {HOST}:{PROXY_PORT};
        server_name {HOST} localhost;
        client_max_body_size 64m;
        client_body_timeout 60s;

        location / {{
            proxy_pass http://koperasi;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host:$server_port;  # the name it answers to, with its own port
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            # Another node gets the request only when this one could not be reached or did not answer in time;
            # a POST that reached a node is never sent to a second one (nginx's default, kept on purpose).
            proxy_next_upstream error timeout;
            proxy_next_upstream_tries 2;
            proxy_connect_timeout 2s;
            proxy_send_timeout 35s;
            proxy_read_timeout 35s;
            add_header X-Upstream $upstream_addr always;
        }}
    }}
}}
"""


def start_nginx(workdir: Path) -> subprocess.Popen:
    config = workdir / "nginx.conf"
    config.write_text(nginx_config(workdir))
    test = subprocess.run([str(NGINX), "-t", "-q", "-p", str(workdir), "-e", str(workdir / "nginx-error.log"),
                           "-c", str(config)], capture_output=True, text=True)
    if test.returncode:
        raise fail(f"nginx refused the generated configuration {config}:\n{test.stderr}")
    return subprocess.Popen([str(NGINX), "-p", str(workdir), "-e", str(workdir / "nginx-error.log"),
                             "-c", str(config)], stdout=subprocess.DEVNULL,
                            stderr=open(workdir / "nginx-stderr.log", "wb"), start_new_session=True)


def wait_for(port: int, path: str, process: subprocess.Popen, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise fail(f"{what} exited (code {process.returncode}) before answering on {HOST}:{port}.")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            conn.request("GET", path, headers={"Host": f"{HOST}:{port}"})
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        finally:
            conn.close()
        time.sleep(0.3)
    raise fail(f"{what} did not answer 200 on http://{HOST}:{port}{path} within {seconds:.0f} s.")


def stop(process: subprocess.Popen | None, sig: int = signal.SIGTERM) -> None:
    """Stop a process group this script started; kill it when it does not stop within 10 s."""
    if process is None or process.poll() is not None:
        return
    for current in (sig, signal.SIGKILL):
        try:
            os.killpg(process.pid, current)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=10)
            return
        except subprocess.TimeoutExpired:
            continue


# --- a browser ----------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Event:
    kind: str
    status: int  # 0: no answer (connection refused, reset, timed out)
    seconds: float
    at: float  # time.monotonic() when the request started
    node: str  # the node nginx names in X-Upstream (the last one tried)
    expected: bool


class Recorder:
    def __init__(self, limit: int):
        self.events: list[Event] = []
        self.lock = threading.Lock()
        self.limit = limit
        self.full = threading.Event()

    def add(self, event: Event) -> None:
        with self.lock:
            self.events.append(event)
            if len(self.events) >= self.limit:
                self.full.set()


@dataclasses.dataclass
class Page:
    status: int
    location: str
    body: str
    node: str


class FormParser(HTMLParser):
    """The forms of a page: their attributes, inputs, selects (options, selected) and textareas."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form = self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = {"attrs": attrs, "inputs": [], "selects": {}, "textareas": {}}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input":
            self._form["inputs"].append(attrs)
        elif tag == "select":
            self._select = self._form["selects"].setdefault(attrs.get("name"), [])
        elif tag == "option" and self._select is not None:
            self._select.append((attrs.get("value", ""), "selected" in attrs))
        elif tag == "textarea":
            self._textarea = attrs.get("name")
            self._form["textareas"][self._textarea] = ""

    def handle_data(self, data):
        if self._form is not None and self._textarea is not None:
            self._form["textareas"][self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def page_form(body: str, match) -> dict | None:
    parser = FormParser()
    parser.feed(body)
    return next((form for form in parser.forms if match(form["attrs"])), None)


class Browser:
    """One person's browser: their address, their cookies (kept whatever the Secure flag: nginx listens on plain
    HTTP here) and a new connection to nginx for every request."""

    def __init__(self, recorder: Recorder, source: str, language: str | None = None, host: str | None = None):
        self.recorder, self.source, self.host = recorder, source, host or f"{HOST}:{PROXY_PORT}"
        self.cookies: dict[str, str] = {"django_language": language} if language else {}

    def copy(self) -> "Browser":
        twin = Browser(self.recorder, self.source)
        twin.cookies = dict(self.cookies)
        return twin

    def request(self, kind: str, method: str, path: str, *, fields=None, multipart=False,
                expect=(200,), body: bytes | None = None, content_type: str | None = None) -> Page:
        headers = {"Host": self.host, "User-Agent": "koperasi-two-nodes", "Connection": "close"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        if method == "POST":
            headers["Origin"], headers["Referer"] = ORIGIN, ORIGIN + path
            if body is None:
                body, content_type = encode(fields or [], multipart)
            headers["Content-Type"] = content_type
        started, clock = time.perf_counter(), time.monotonic()
        status, location, text, node = 0, "", "", ""
        conn = http.client.HTTPConnection(HOST, PROXY_PORT, timeout=REQUEST_TIMEOUT, source_address=(self.source, 0))
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            status, location = response.status, response.getheader("Location", "")
            node = response.getheader("X-Upstream", "").split(",")[-1].strip()
            for header in response.headers.get_all("Set-Cookie") or []:
                cookie = SimpleCookie()
                cookie.load(header)
                for name, morsel in cookie.items():
                    if morsel["max-age"] == "0" or "1970" in morsel["expires"]:
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value
        except (OSError, http.client.HTTPException):
            pass
        finally:
            conn.close()
        self.recorder.add(Event(kind, status, time.perf_counter() - started, clock, node, status in expect))
        return Page(status, location, text, node)


def encode(fields: list[tuple[str, str]], multipart: bool) -> tuple[bytes, str]:
    if not multipart:
        return urlencode(fields).encode(), "application/x-www-form-urlencoded"
    boundary = f"----two-nodes-{uuid.uuid4().hex}"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
             for name, value in fields]
    return "".join(parts + [f"--{boundary}--\r\n"]).encode(), f"multipart/form-data; boundary={boundary}"


def sign_in_token(browser: Browser) -> str:
    """Open the sign-in page (allauth's form) and return its CSRF token."""
    page = browser.request("sign-in form", "GET", "/accounts/login/")
    form = page_form(page.body, lambda attrs: attrs.get("action") == "/accounts/login/") or {"inputs": []}
    return next((i.get("value", "") for i in form["inputs"] if i.get("name") == "csrfmiddlewaretoken"), "")


def sign_in(browser: Browser, email: str, password: str, *, token: str | None = None, kind: str = "sign in",
            expect=(302,)) -> Page:
    fields = [("csrfmiddlewaretoken", token or sign_in_token(browser)), ("login", email), ("password", password)]
    return browser.request(kind, "POST", "/accounts/login/", fields=fields, expect=expect)


def signed_in(page: Page) -> bool:
    return page.status == 302 and urlsplit(page.location).path == "/"


# --- the sign-in limit across nodes -------------------------------------------------------------------------


@dataclasses.dataclass
class Check:
    name: str
    passed: bool
    detail: str = ""
    always: bool = False  # print the detail when the check passes too


def check_sign_in_limit(recorder: Recorder, password: str, locked: str, other: str) -> list[Check]:
    browser = Browser(recorder, CHECK_ADDRESS, language="en")
    nodes, answers = Counter(), Counter()
    token = sign_in_token(browser)  # one form, posted 10 times: nginx sends the posts to the nodes in turn
    for attempt in range(10):
        page = sign_in(browser, locked, f"wrong-password-{attempt}", token=token, kind="wrong password",
                       expect=(200,))
        nodes[page.node] += 1
        answers["locked out" if any(text in page.body for text in LOCKOUT_TEXT) else page.status] += 1
    right = sign_in(browser, locked, password, kind="locked account", expect=(200,))
    elsewhere = sign_in(Browser(recorder, OTHER_ADDRESS, language="en"), locked, password, kind="locked account",
                        expect=(200,))
    other_port = Browser(recorder, CHECK_ADDRESS, language="en", host=f"{HOST}:1")
    other_port_page = sign_in(other_port, locked, password, kind="locked account", expect=(200,))
    other_name = Browser(recorder, CHECK_ADDRESS, language="en", host="portal.invalid")
    other_name_page = other_name.request("unknown host", "GET", "/accounts/login/", expect=(0,))
    same_address = Browser(recorder, CHECK_ADDRESS, language="en")
    colleague = sign_in(same_address, other, password)
    home = same_address.request("home", "GET", "/") if signed_in(colleague) else None
    spread = ", ".join(f"{node or 'no answer'}: {count}" for node, count in sorted(nodes.items()))
    return [
        Check("10 wrong passwords answered on both nodes", len([n for n in nodes if n]) == 2
              and answers == Counter({200: 10}), f"nodes {spread}; answers {dict(answers)}", always=True),
        Check("then the right password is refused with the lockout message",
              right.status == 200 and any(text in right.body for text in LOCKOUT_TEXT),
              f"status {right.status}" + (f" → {right.location}" if right.location else ""), always=True),
        Check("the locked account is refused from another address too",
              elsewhere.status == 200 and any(text in elsewhere.body for text in LOCKOUT_TEXT),
              f"status {elsewhere.status}" + (f" → {elsewhere.location}" if elsewhere.location else ""), always=True),
        Check("the locked account is refused whatever port the Host header names",
              other_port_page.status == 200 and any(text in other_port_page.body for text in LOCKOUT_TEXT),
              f"status {other_port_page.status}", always=True),
        Check("a request for another host name gets no answer", other_name_page.status == 0,
              f"status {other_name_page.status or 'none (connection closed)'}", always=True),
        Check("another account signs in from the same address", signed_in(colleague) and home.status == 200,
              f"sign-in {colleague.status} → {colleague.location or '-'}, home {home.status if home else '-'}",
              always=True),
    ]


# --- the load -----------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Attempt:
    marker: str
    at: float  # time.monotonic() when the form was posted
    status: int
    visit: int | None = None  # the id in the "saved" redirect
    double: str = ""  # "", "one after the other", "at once"
    twin_status: int | None = None
    twin_visit: int | None = None
    written_unanswered: bool | None = None  # no post answered "saved": was the visit in the database all the same?
    retry_status: int | None = None  # the same form posted again after the error, as a person would
    retry_visit: int | None = None
    shown: bool | None = None  # the saved visit was on the page the redirect led to

    @property
    def saved(self) -> int | None:
        return self.visit or self.twin_visit or self.retry_visit


def visit_fields(form: dict, marker: str, rng: random.Random) -> list[tuple[str, str]]:
    """What a BA fills in: every hidden field as the page gave it (the one-time `submission` token among them), the
    date and mode as proposed, one of their cooperatives, one or two focus areas, and the marker in the summary."""
    fills = {"summary": f"{marker} Kunjungan uji beban dua node (fiktif).", "participants": "Ketua, Bendahara",
             "place": "Kantor Desa"}
    fields, boxes = [], defaultdict(list)
    for attrs in form["inputs"]:
        name, kind = attrs.get("name"), (attrs.get("type") or "text").lower()
        if not name or kind in {"submit", "button", "file", "image", "reset"}:
            continue
        if kind == "checkbox":
            boxes[name].append(attrs.get("value") or "on")
        elif kind == "radio":
            if "checked" in attrs:
                fields.append((name, attrs.get("value") or ""))
        else:
            fields.append((name, attrs.get("value") or ""))
    for name, values in boxes.items():
        fields += [(name, value) for value in rng.sample(values, k=min(len(values), rng.randint(1, 2)))]
    for name, options in form["selects"].items():
        values = [value for value, _selected in options if value]
        if values:
            fields.append((name, rng.choice(values)))
    fields += [(name, text) for name, text in form["textareas"].items()]
    return [(name, fills.get(name, value)) for name, value in fields]


def post_at_once(browser: Browser, post: dict) -> tuple[Page, Page | None]:
    """The same form posted twice at the same moment (a double tap), from the same session."""
    twin, answers = browser.copy(), {}
    thread = threading.Thread(target=lambda: answers.update(twin=twin.request("visit re-post", "POST",
                                                                              "/visits/new/", **post)))
    thread.start()
    first = browser.request("visit post", "POST", "/visits/new/", **post)
    thread.join(REQUEST_TIMEOUT + 5)
    return first, answers.get("twin")


def saved_visit(page: Page) -> int | None:
    match = SAVED.match(page.location) if page.status == 302 else None
    return int(match.group(2)) if match else None


class Load:
    def __init__(self, recorder: Recorder, seconds: float, seed: int, database_url: str):
        self.recorder, self.seconds, self.database_url = recorder, seconds, database_url
        self.run = secrets.token_hex(4)
        self.attempts: list[Attempt] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.seed = seed
        self.killed_at: float | None = None

    def running(self) -> bool:
        return not self.stop.is_set() and not self.recorder.full.is_set()

    def writer(self, number: int, browser: Browser) -> None:
        rng = random.Random(self.seed * 1000 + number)
        count = 0
        while self.running():
            form_page = browser.request("visit form", "GET", "/visits/new/")
            form = page_form(form_page.body, lambda attrs: "visit-form" in (attrs.get("class") or ""))
            if form is None:
                time.sleep(0.2)  # an error page: the recorder has it; try again
                continue
            count += 1
            marker = f"TN-{self.run}-{number:02d}-{count:04d}"
            body, content_type = encode(visit_fields(form, marker, rng), multipart=True)
            posted = time.monotonic()
            double = rng.choices(["", "one after the other", "at once"], [6, 1, 1])[0]
            post = dict(body=body, content_type=content_type, expect=(302,))
            twin = None
            if double == "at once":
                first, twin = post_at_once(browser, post)
            else:
                first = browser.request("visit post", "POST", "/visits/new/", **post)
                if double:
                    twin = browser.request("visit re-post", "POST", "/visits/new/", **post)
            attempt = Attempt(marker, posted, first.status, saved_visit(first), double)
            if twin is not None:
                attempt.twin_status, attempt.twin_visit = twin.status, saved_visit(twin)
            answered = first if attempt.visit else twin
            if not attempt.saved:
                # An error page: was it written all the same? Then the person posts the same form again.
                attempt.written_unanswered = bool(written_visits(self.database_url, f"{marker} ").get(marker))
                time.sleep(0.5)
                answered = browser.request("visit retry", "POST", "/visits/new/", **post)
                attempt.retry_status, attempt.retry_visit = answered.status, saved_visit(answered)
            if attempt.saved:
                shown = browser.request("visit page", "GET", answered.location.split("#")[0])
                attempt.shown = f'id="visit-{attempt.saved}"' in shown.body and marker in shown.body
            with self.lock:
                self.attempts.append(attempt)

    def reader(self, browser: Browser) -> None:
        while self.running():
            for path, kind in (("/", "home"), ("/dashboard/", "dashboard")):
                if self.running():
                    browser.request(kind, "GET", path)

    def go(self, writers: list[Browser], readers: list[Browser], node: subprocess.Popen) -> None:
        threads = [threading.Thread(target=self.writer, args=(n, b), daemon=True) for n, b in enumerate(writers, 1)]
        threads += [threading.Thread(target=self.reader, args=(b,), daemon=True) for b in readers]
        started = time.monotonic()
        try:
            for thread in threads:
                thread.start()
            while time.monotonic() < started + self.seconds / 2 and not self.recorder.full.is_set():
                time.sleep(0.05)
            self.killed_at = time.monotonic()
            os.killpg(node.pid, signal.SIGKILL)  # the master and its workers at once, as a machine that dies
            node.wait(timeout=10)
            while time.monotonic() < started + self.seconds and not self.recorder.full.is_set():
                time.sleep(0.05)
        finally:
            self.stop.set()
            for thread in threads:
                thread.join(timeout=2 * REQUEST_TIMEOUT + 10)
        self.elapsed = time.monotonic() - started


# --- what the database kept ---------------------------------------------------------------------------------


def written_visits(url: str, prefix: str) -> dict[str, list[int]]:
    """The ids of the visits whose marker (the first word of the summary) starts with `prefix`, per marker."""
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT id, summary FROM cooperatives_visit WHERE summary LIKE %s ORDER BY id",
                            [f"{prefix}%"]).fetchall()
    found = defaultdict(list)
    for visit_id, summary in rows:
        found[summary.split()[0]].append(visit_id)
    return found


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def report(recorder: Recorder, load: Load, found: dict[str, list[int]], checks: list[Check], args) -> list[Check]:
    events, killed = recorder.events, load.killed_at
    kinds = ["sign-in form", "sign in", "wrong password", "locked account", "visit form", "visit post",
             "visit re-post", "visit retry", "visit page", "home", "dashboard"]
    print(f"\nRequests through nginx ({args.concurrency} clients, {load.elapsed:.1f} s of load, node "
          f"{HOST}:{NODE_PORTS[1]} killed after {killed - min(e.at for e in events if e.kind == 'visit form'):.1f} s)")
    print(f"{'kind':<15} {'requests':>8}  {'answers':<34} {'p50 ms':>7} {'p95 ms':>7} {'failed':>6} {'after kill':>10}")
    for kind in kinds + sorted({e.kind for e in events} - set(kinds)):
        rows = [e for e in events if e.kind == kind]
        if not rows:
            continue
        answers = Counter(e.status for e in rows)
        text = ", ".join(f"{status or 'none'}×{count}" for status, count in sorted(answers.items()))
        ms = [e.seconds * 1000 for e in rows if e.status]
        failed = [e for e in rows if not e.expected]
        after = [e for e in failed if e.at + e.seconds >= killed]
        print(f"{kind:<15} {len(rows):>8}  {text:<34} {percentile(ms, .5):>7.0f} {percentile(ms, .95):>7.0f} "
              f"{len(failed):>6} {len(after):>10}")
    ms = [e.seconds * 1000 for e in events if e.status]
    failed = [e for e in events if not e.expected]
    print(f"{'all':<15} {len(events):>8}  {'':<34} {percentile(ms, .5):>7.0f} {percentile(ms, .95):>7.0f} "
          f"{len(failed):>6} {len([e for e in failed if e.at + e.seconds >= killed]):>10}")
    served = Counter((e.node or "no answer", "before" if e.at < killed else "after") for e in events)
    nodes = sorted({node for node, _ in served})
    print("nginx sent them to: " + "; ".join(f"{node} {served[(node, 'before')]} before the kill, "
                                             f"{served[(node, 'after')]} after" for node in nodes))

    attempts = load.attempts
    acked = [a for a in attempts if a.saved]
    once = [a for a in acked if found.get(a.marker) == [a.saved]]
    lost = [a for a in acked if not found.get(a.marker)]
    duplicated = [a for a in attempts if len(found.get(a.marker, [])) > 1]
    elsewhere = [a for a in acked if len(found.get(a.marker, [])) == 1 and a not in once]
    doubles = [a for a in attempts if a.double]
    split = [a for a in doubles if a.visit and a.twin_visit and a.visit != a.twin_visit]
    unanswered = [a for a in attempts if a.written_unanswered is not None]
    retried = [a for a in unanswered if a.retry_status is not None]
    not_shown = [a for a in acked if a.shown is False]
    never = [a for a in attempts if not a.saved]
    print("\nVisits (each form carries a unique marker in its summary; 'saved' is the 302 to the visit)")
    rows = [
        ("forms posted", len(attempts)),
        ("acknowledged (saved)", len(acked)),
        ("  found exactly once in the database", len(once)),
        ("  lost", len(lost)),
        ("  duplicated", len([a for a in acked if a in duplicated])),
        ("  shown on the page the redirect led to", len([a for a in acked if a.shown])),
        ("not acknowledged at first (error or no answer)", len(unanswered)),
        ("  written all the same", len([a for a in unanswered if a.written_unanswered])),
        ("  not written", len([a for a in unanswered if not a.written_unanswered])),
        ("  posted again: saved / in the database once", f"{len([a for a in retried if a.retry_visit])} / "
                                                         f"{len([a for a in retried if len(found[a.marker]) == 1])}"),
        ("never acknowledged", len(never)),
        ("  of them written", len([a for a in never if found.get(a.marker)])),
        ("forms posted twice with the same token", len(doubles)),
        ("  one after the other / at once", f"{len([a for a in doubles if a.double == 'one after the other'])} / "
                                            f"{len([a for a in doubles if a.double == 'at once'])}"),
        ("  both posts saved, same visit", len([a for a in doubles if a.visit and a.visit == a.twin_visit])),
        ("  in the database once", len([a for a in doubles if len(found.get(a.marker, [])) == 1])),
        ("markers written more than once (any form)", len(duplicated)),
    ]
    for label, value in rows:
        print(f"  {label:<48} {value:>9}")

    grace = 5.0
    late = [e for e in failed if e.at >= killed + grace]
    before = [e for e in failed if e.at + e.seconds < killed]
    checks = checks + [
        Check("no request failed while both nodes were up", not before,
              ", ".join(f"{e.kind} {e.status or 'no answer'}" for e in before[:10])),
        Check(f"no request failed later than {grace:.0f} s after the kill", not late,
              ", ".join(f"{e.kind} {e.status or 'no answer'}" for e in late[:10])),
        Check("the surviving node answered after the kill",
              any(e.node and e.at > killed and e.expected for e in events), ""),
        Check("visits were saved before and after the kill", any(a.at < killed for a in acked)
              and any(a.at > killed for a in acked), ""),
        Check("every acknowledged visit is in the database exactly once", len(once) == len(acked),
              f"lost {[a.marker for a in lost][:5]}, written twice {[a.marker for a in acked if a in duplicated][:5]}"
              f", under another id {[a.marker for a in elsewhere][:5]}"),
        Check("a form posted again after an error is saved", all(a.retry_visit for a in retried),
              f"{[(a.marker, a.retry_status) for a in retried if not a.retry_visit][:5]}"),
        Check("no visit was written twice", not duplicated, f"{[a.marker for a in duplicated][:5]}"),
        Check("a form posted twice answers with the same visit", not split, f"{[a.marker for a in split][:5]}"),
        Check("every saved visit is shown on the page the redirect leads to", not not_shown,
              f"{[a.marker for a in not_shown][:5]}"),
    ]
    print("\nChecks")
    for check in checks:
        shown = check.detail and (check.always or not check.passed)
        print(f"  {'PASS' if check.passed else 'FAIL'}  {check.name}" + (f"  ({check.detail})" if shown else ""))
    return checks


# --- the whole run ------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=25, help="seconds of load (default 25, at most 300)")
    parser.add_argument("--concurrency", type=int, default=8,
                        help="simulated people at once, about 60%% of them recording visits (default 8, 3 to 32)")
    parser.add_argument("--seed", type=int, default=1, help="random choices of the load (default 1)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory with the logs")
    parser.add_argument("--without-redis", action="store_true",
                        help="leave REDIS_URL unset, so that each process keeps its own cache: the sign-in limit "
                             "check must then fail (a control of the check itself)")
    args = parser.parse_args()
    if not 5 <= args.seconds <= 300 or not 3 <= args.concurrency <= 32:
        parser.error("--seconds must be in [5, 300] and --concurrency in [3, 32].")

    require_nginx()
    require_postgres(POSTGRES)
    require_redis()
    require_free_ports()
    workdir = Path(tempfile.mkdtemp(prefix="koperasi-two-nodes-"))
    (workdir / "media").mkdir()
    database_url = f"{POSTGRES}/{DATABASE}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(PORTAL_SETTINGS)},
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "MFA_ENCRYPTION_KEYS": secrets.token_urlsafe(32) + "=",  # a Fernet key: 32 random bytes, url-safe base64
        "ALLOWED_HOSTS": f"{HOST},localhost",
        "CSRF_TRUSTED_ORIGINS": ORIGIN,
        "DATABASE_URL": database_url,
        "REDIS_URL": f"redis://{HOST}:{REDIS_PORT}/{REDIS_DB}",
        "TRUSTED_PROXY_COUNT": "1",
        "BEHIND_HTTPS_PROXY": "true",
        "MEDIA_ROOT": str(workdir / "media"),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(workdir / "mail"),
        "SITE_URL": ORIGIN,
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
    if args.without_redis:
        del env["REDIS_URL"]
    processes: dict[str, subprocess.Popen] = {}
    ok = False

    def terminated(signum, frame):
        raise SystemExit(f"two_nodes: stopped by signal {signum}")

    signal.signal(signal.SIGTERM, terminated)
    try:
        step = time.monotonic()
        database_recreate(POSTGRES, DATABASE)
        redis_flush()
        manage(env, "migrate", "--no-input", "-v", "0")
        manage(env, "import_regions", REGENCY)
        password, logins = demo_logins(manage(env, "demo"))
        manage(env, "collectstatic", "--no-input", "-v", "0")
        print(f"Scratch database {DATABASE} ready (migrate, import_regions {REGENCY}, demo, collectstatic) in "
              f"{time.monotonic() - step:.0f} s; Redis database {REDIS_DB} flushed; files in {workdir}", flush=True)

        for port in NODE_PORTS:
            processes[f"node {port}"] = start_node(port, env, workdir)
        processes["nginx"] = start_nginx(workdir)
        for port in NODE_PORTS:
            wait_for(port, "/healthz/", processes[f"node {port}"], f"gunicorn on {port}")
        wait_for(PROXY_PORT, "/healthz/", processes["nginx"], "nginx")
        print(f"gunicorn on {HOST}:{NODE_PORTS[0]} and {HOST}:{NODE_PORTS[1]} (2 workers each), "
              f"nginx on {HOST}:{PROXY_PORT}", flush=True)

        recorder = Recorder(MAX_REQUESTS)
        domain = logins["ba"].split("@")[1]
        checks = check_sign_in_limit(recorder, password, locked=f"ba39@{domain}", other=f"ba38@{domain}")

        writers_count = max(2, round(args.concurrency * 0.6))
        readers_count = args.concurrency - writers_count
        people = [f"ba{n:02d}@{domain}" for n in range(1, writers_count + 1)]
        people += [logins["pmo"] if n % 3 == 2 else logins["staff"] for n in range(readers_count)]
        browsers = []
        for number, email in enumerate(people):
            browser = Browser(recorder, f"127.0.0.{FIRST_LOAD_ADDRESS + number}")
            if not signed_in(page := sign_in(browser, email, password)):
                raise fail(f"{email} could not sign in through nginx (status {page.status}, {page.location!r}).")
            browsers.append(browser)
        print(f"Signed in {writers_count} BAs (recording visits) and {readers_count} readers "
              f"({', '.join(sorted(set(people[writers_count:])))}); load for {args.seconds:g} s, "
              f"killing the node on {NODE_PORTS[1]} halfway", flush=True)

        load = Load(recorder, args.seconds, args.seed, database_url)
        load.go(browsers[:writers_count], browsers[writers_count:], processes[f"node {NODE_PORTS[1]}"])
        found = written_visits(database_url, f"TN-{load.run}-")
        checks = report(recorder, load, found, checks, args)
        ok = all(check.passed for check in checks)
        print(f"\n{'PASSED' if ok else 'FAILED'}: {sum(not c.passed for c in checks)} of {len(checks)} checks failed.")
        return 0 if ok else 1
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second signal must not cut the cleaning up short
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        for name, process in processes.items():
            stop(process, signal.SIGQUIT if name == "nginx" else signal.SIGTERM)
        if not ok:
            for log in sorted(workdir.glob("*error.log")) + sorted(workdir.glob("*stderr.log")):
                lines = log.read_text(errors="replace").splitlines()[-15:] if log.exists() else []
                if lines:
                    print(f"\n--- last lines of {log.name} ---\n" + "\n".join(lines), file=sys.stderr)
        try:
            database_recreate(POSTGRES, DATABASE, create=False)
            redis_flush()
        except (psycopg.Error, OSError, SystemExit) as error:
            print(f"two_nodes: cleaning up failed: {error}", file=sys.stderr)
        if args.keep:
            print(f"Logs kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
