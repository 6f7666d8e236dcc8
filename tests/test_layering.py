"""The apps depend one way: toolkit ← regions ← mentors ← offices ← territories ← cooperatives ← reporting ← api ←
koperasi_portal ← operations.

No import and no migration dependency of an app names an app above it; nor does a name in a string: a model
(`apps.get_model`), a URL (`reverse`, `redirect`, `{% url %}`) or, outside `territories/`, a lookup across the
plans' relations ("who covers which village" is asked through `territories.coverage`).
"""

import ast
import re
from pathlib import Path

import pytest
from django.db.migrations.loader import MigrationLoader

PROJECT = Path(__file__).resolve().parent.parent
# `api` (the read API) reads every app below it; only the project package (URLs, menu) and operations (its
# benchmark) name it.
ORDER = ["toolkit", "regions", "mentors", "offices", "territories", "cooperatives", "reporting", "api",
         "koperasi_portal", "operations"]


def _imported_apps(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names & set(ORDER)


@pytest.mark.parametrize("app", ORDER[:-1])
def test_an_app_imports_no_app_above_it(app):
    above = set(ORDER[ORDER.index(app) + 1:])
    offenders = {str(path.relative_to(PROJECT)): sorted(_imported_apps(path) & above)
                 for path in (PROJECT / app).rglob("*.py") if _imported_apps(path) & above}
    assert offenders == {}


@pytest.mark.django_db
def test_no_migration_depends_on_an_app_above_its_own():
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    wrong = [
        (node, parent) for node in graph.nodes for parent in graph.node_map[node].parents
        if node[0] in ORDER and parent.key[0] in ORDER and ORDER.index(parent.key[0]) > ORDER.index(node[0])
    ]
    assert wrong == []


# --- names in strings -----------------------------------------------------------------------------------------

# Lookups across the plans' relations, and their tables' module: only `territories/` names them.
TERRITORY_RELATIONS = re.compile(r"plan__|ba_links__|village_links|pmo_territor|ba_territor")
# The plans' benchmark backdates the plan in force so that the plan it publishes can take effect today: it writes
# that row itself; everything it reads goes through `territories`' API. Only this file; a new one is caught.
WRITES_PLANS = {"operations/management/commands/benchmark_plans.py"}
URL_CALLS = {"reverse", "reverse_lazy", "redirect", "resolve_url"}
TEMPLATE_URL = re.compile(r"""{%\s*url\s+["']([\w-]+(?::[\w-]+)?)["']""")


def _url_owners() -> dict[str, str]:
    """{"namespace:name" (or "name"): the app whose view the URL renders}, from the project's URLconf. A namespace
    can gather several apps' views ("mentors:" holds the roster of `mentors` and the pages `territories` adds)."""
    from django.urls import URLPattern, URLResolver, get_resolver

    owners = {}

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, ":".join(filter(None, [namespace, pattern.namespace])))
            elif isinstance(pattern, URLPattern) and pattern.name:
                app = getattr(pattern.callback, "__module__", "").split(".")[0]
                if app in ORDER:
                    owners[":".join(filter(None, [namespace, pattern.name]))] = app

    walk(get_resolver().url_patterns, "")
    return owners


URL_OWNERS = _url_owners()
# Links that predate the check, to remove, not to add to: models' `get_absolute_url` and pages of `regions` and
# `mentors` point at the pages `territories` renders for them, and the roster's views go home when done.
KNOWN_LINKS_UP = {
    "regions/models.py": 3, "mentors/models.py": 1, "mentors/views.py": 1,
}


def _url_owner(name: str) -> str | None:
    return URL_OWNERS.get(name)


def _above(app: str, other: str | None) -> bool:
    return other in ORDER and ORDER.index(other) > ORDER.index(app)


def territory_lookups(source: str) -> list[str]:
    """Keyword names and string literals that cross the plans' relations, and imports of their models."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.keyword) and node.arg and TERRITORY_RELATIONS.search(node.arg):
            found.append(f"line {node.value.lineno}: {node.arg}=")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and TERRITORY_RELATIONS.search(node.value):
            found.append(f"line {node.lineno}: {node.value[:60]!r}")
        elif isinstance(node, ast.ImportFrom) and node.module == "territories.models":
            found.append(f"line {node.lineno}: from territories.models import")
        elif isinstance(node, ast.Import) and any(a.name == "territories.models" for a in node.names):
            found.append(f"line {node.lineno}: import territories.models")
    return found


def names_above(app: str, source: str) -> list[str]:
    """`apps.get_model("<app>", …)` and `reverse("<ns>:…")`-like calls that name an app above `app`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        value = node.args[0].value
        if name == "get_model" and _above(app, value.split(".")[0]):
            found.append(f"line {node.lineno}: get_model({value!r})")
        elif name in URL_CALLS and _above(app, _url_owner(value)):
            found.append(f"line {node.lineno}: {name}({value!r})")
    return found


def template_urls_above(app: str, source: str) -> list[str]:
    """`{% url %}` tags of a template of `app` naming a page of an app above."""
    return [f"{{% url '{name}' %}}" for name in TEMPLATE_URL.findall(source) if _above(app, _url_owner(name))]


TEMPLATE_NAME = re.compile(r"""["']([\w/.-]+\.(?:html|txt))["']""")
# Template links that predate the check, to remove, not to add to: the roster's own pages (mentors) go back to the
# roster list, which territories renders with each mentor's territory; the office's report list links the recap.
KNOWN_TEMPLATE_LINKS_UP = {
    "cooperatives/report_list.html": 1, "mentors/mentor_form.html": 1, "mentors/mentor_import.html": 1,
    "mentors/office_accounts.html": 1, "mentors/office_index.html": 1,
}


def _rendered_by() -> dict[str, set[str]]:
    """{template name: the apps whose code names it} (views render it, or pass it on)."""
    names: dict[str, set[str]] = {}
    for app in ORDER:
        for module, source in _modules(app):
            if "/migrations/" not in module:
                for name in TEMPLATE_NAME.findall(source):
                    names.setdefault(name, set()).add(app)
    return names


def templates_linking_up(templates: dict[str, str], rendered: dict[str, set[str]]) -> dict[str, list[str]]:
    """{template: its links to pages of an app above the lowest app that renders it}. A template no code names (an
    include) belongs to the apps that render its folder; a folder no app names (allauth's pages, the base
    layout) to the project package."""
    folders: dict[str, set[str]] = {}
    for name, apps in rendered.items():
        folders.setdefault(name.rpartition("/")[0], set()).update(apps)
    found = {}
    for name, source in templates.items():
        apps = rendered.get(name) or folders.get(name.rpartition("/")[0]) or {"koperasi_portal"}
        links = template_urls_above(min(apps, key=ORDER.index), source)
        if links:
            found[name] = links
    return found


def _modules(app: str):
    for path in sorted((PROJECT / app).rglob("*.py")):
        yield str(path.relative_to(PROJECT)), path.read_text(encoding="utf-8")


def test_no_template_links_a_page_above_the_app_that_renders_it():
    root = PROJECT / "templates"
    templates = {str(path.relative_to(root)): path.read_text(encoding="utf-8") for path in root.rglob("*.html")}
    found = templates_linking_up(templates, _rendered_by())
    offenders = {name: links for name, links in found.items() if len(links) > KNOWN_TEMPLATE_LINKS_UP.get(name, 0)}
    assert offenders == {}


@pytest.mark.parametrize("app", [app for app in ORDER if app != "territories"])
def test_no_app_but_territories_joins_the_plans(app):
    offenders = {name: territory_lookups(source) for name, source in _modules(app)
                 if "/migrations/" not in name and name not in WRITES_PLANS and territory_lookups(source)}
    assert offenders == {}


@pytest.mark.parametrize("app", ORDER[:-1])
def test_no_model_or_url_in_a_string_names_an_app_above(app):
    found = {name: names_above(app, source) for name, source in _modules(app)}
    offenders = {name: links for name, links in found.items() if len(links) > KNOWN_LINKS_UP.get(name, 0)}
    assert offenders == {}


@pytest.mark.parametrize("planted", [
    'Cooperative.objects.filter(village__ba_links__plan__status="active")',
    'Mentor.objects.filter(ba_territories__pmo_territory__mentor=pmo)',
    'BaTerritory.objects.annotate(n=Count("village_links"))',
    'rows.values_list("pmo_territory__mentor_id")',
    'from territories.models import BaVillage',
])
def test_the_check_finds_a_planted_join_across_the_plans(planted):
    assert territory_lookups(f"def figures():\n    return {planted}\n" if "import" not in planted else planted)


@pytest.mark.parametrize(("app", "planted"), [
    ("cooperatives", 'apps.get_model("reporting", "RegencyFigures")'),
    ("mentors", 'apps.get_model("cooperatives.Cooperative")'),
    ("territories", 'reverse("cooperatives:cooperative_list")'),
    ("cooperatives", 'redirect("reporting:dashboard")'),
    ("reporting", 'reverse_lazy("home")'),
])
def test_the_check_finds_a_planted_name_of_an_app_above(app, planted):
    assert names_above(app, f"def view(request):\n    return {planted}\n")


def test_the_check_lets_a_name_below_pass():
    assert names_above("reporting", 'reverse("cooperatives:report_list")\napps.get_model("regions", "Village")') == []
    assert territory_lookups('Village.objects.filter(district__regency_id=1)') == []


def test_the_check_finds_a_planted_template_link_to_an_app_above():
    rendered = {"regions/village_detail.html": {"territories"}, "mentors/mentor_form.html": {"mentors", "territories"}}
    planted = {"regions/village_detail.html": "<a href=\"{% url 'cooperatives:cooperative_list' %}\">x</a>",
               "regions/_village_card.html": "{% url 'reporting:dashboard' %}",  # an include: its folder's
               "mentors/mentor_form.html": "{% url 'territories:plan_list' %}",  # the lowest renderer decides
               "account/login.html": "{% url 'cooperatives:cooperative_list' %}"}  # the project's: below nothing
    assert set(templates_linking_up(planted, rendered)) == set(planted) - {"account/login.html"}
    assert template_urls_above("cooperatives", "<a href=\"{% url 'reporting:dashboard' %}\">x</a>")
    assert template_urls_above("territories", "{% url 'home' %}")
    assert template_urls_above("reporting", "{% url 'cooperatives:cooperative_list' %}") == []
