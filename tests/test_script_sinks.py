"""The portal's own JavaScript puts text into pages, never markup: names typed by people (a village, a cooperative,
a mentor) cannot become HTML. The vendored libraries are theirs; the files under static/js/ are checked here."""

import re
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parent.parent / "static" / "js"
# Properties and calls that parse a string as HTML.
MARKUP_SINKS = re.compile(r"\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML\s*\(|document\.write(ln)?\s*\("
                          r"|DOMParser|createContextualFragment")
# Leaflet's content setters read a string as HTML; an element (or a function returning one) is safe.
LEAFLET_CONTENT = re.compile(r"\.(bindTooltip|bindPopup|setContent|setTooltipContent|setPopupContent)\(\s*([^)\s]*)")


def problems(source: str) -> list[str]:
    found = [f"line {source[:m.start()].count(chr(10)) + 1}: {m.group(0)}" for m in MARKUP_SINKS.finditer(source)]
    for match in LEAFLET_CONTENT.finditer(source):
        argument = match.group(2)
        if not argument.startswith(("function", "element(")):
            found.append(f"line {source[:match.start()].count(chr(10)) + 1}: {match.group(0)} (pass an element)")
    return found


@pytest.mark.parametrize("script", sorted(SCRIPTS.glob("*.js")), ids=lambda path: path.name)
def test_the_portals_scripts_pass_text_not_markup(script):
    assert problems(script.read_text()) == []


@pytest.mark.parametrize("planted", [
    "shape.bindTooltip(village.name);",
    "marker.bindPopup('<b>' + name + '</b>');",
    "box.innerHTML = cooperative.name;",
    "list.insertAdjacentHTML('beforeend', row);",
])
def test_the_check_finds_a_planted_markup_sink(planted):
    assert problems(f"(function () {{\n  {planted}\n}})();\n")


def test_the_scripts_folder_is_where_the_check_looks():
    assert {path.name for path in SCRIPTS.glob("*.js")} >= {"map.js", "editor.js", "charts.js"}
