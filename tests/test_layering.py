"""The apps depend one way: toolkit ← regions ← mentors ← territories ← cooperatives ← reporting ←
koperasi_portal ← operations.

No import and no migration dependency of an app names an app above it.
"""

import ast
from pathlib import Path

import pytest
from django.db.migrations.loader import MigrationLoader

PROJECT = Path(__file__).resolve().parent.parent
ORDER = ["toolkit", "regions", "mentors", "territories", "cooperatives", "reporting", "koperasi_portal", "operations"]


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
