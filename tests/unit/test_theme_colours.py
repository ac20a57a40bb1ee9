"""Colours come from theme variables only: no hard-coded colour in our CSS (the .tcss files and
every widget's DEFAULT_CSS) nor in Rich styles built in code. A hard-coded colour is right in
one theme and unreadable in another (white on the light theme's white cards)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from rich.errors import StyleSyntaxError
from rich.style import Style
from textual.color import Color, ColorParseError

PACKAGE = Path(__file__).resolve().parents[2] / "track_tui"
# Values that name no colour of their own.
NOT_A_COLOUR = {"transparent", "auto", "inherit", "initial", "none", "default"}
COLOUR_KEYWORDS = {"style", "color", "bgcolor", "colour", "background"}


def _declarations(css: str):
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    for block in re.findall(r"\{([^}]*)\}", css):
        for declaration in block.split(";"):
            if ":" in declaration:
                name, value = declaration.split(":", 1)
                yield name.strip(), value.strip()


def css_colours(css: str) -> list[str]:
    """Every declaration of `css` whose value holds a colour that is not a theme variable."""
    found = []
    for name, value in _declarations(css):
        for token in re.findall(r"#[0-9a-fA-F]+|(?:rgb|rgba|hsl|hsla)\([^)]*\)|[A-Za-z_][\w-]*", value):
            if token.startswith("$") or token.lower() in NOT_A_COLOUR:
                continue
            try:
                Color.parse(token)
            except ColorParseError:
                continue  # a border type, a number's unit, a text style…
            found.append(f"{name}: {value}")
    return found


def code_colours(source: str) -> list[str]:
    """Rich styles built in code with a literal colour: Style(color="red"), style="bold red",
    Text(…, style="#fff")."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        for keyword in node.keywords:
            value = keyword.value
            if keyword.arg in COLOUR_KEYWORDS and isinstance(value, ast.Constant) and isinstance(value.value, str):
                text = value.value
                try:
                    style = Style.parse(text) if keyword.arg == "style" else Style(color=text)
                except (StyleSyntaxError, Exception):
                    continue
                if style.color is not None or style.bgcolor is not None:
                    found.append(f"line {node.lineno}: {keyword.arg}={text!r}")
    return found


def default_css_blocks(source: str) -> list[str]:
    return [
        node.value.value for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "DEFAULT_CSS" for t in node.targets)
        and isinstance(node.value, ast.Constant)
    ]


def test_stylesheets_use_theme_variables_only() -> None:
    problems = {path.name: css_colours(path.read_text()) for path in sorted(PACKAGE.rglob("*.tcss"))}
    assert problems, "no stylesheets found"
    assert {name: found for name, found in problems.items() if found} == {}


def test_widgets_default_css_and_rich_styles_use_no_literal_colour() -> None:
    problems = {}
    blocks = 0
    for path in sorted(PACKAGE.rglob("*.py")):
        source = path.read_text()
        found = code_colours(source)
        for css in default_css_blocks(source):
            blocks += 1
            found += css_colours(css)
        if found:
            problems[str(path.relative_to(PACKAGE))] = found
    assert blocks >= 5, "the DEFAULT_CSS finder finds nothing"
    assert problems == {}


def test_the_checks_would_notice_a_hard_coded_colour() -> None:
    """Guard against checks that can never fail."""
    assert css_colours("A { color: #ffffff; } B { background: white 50%; } C { border: round rgb(1,2,3); }") == [
        "color: #ffffff", "background: white 50%", "border: round rgb(1,2,3)"]
    assert css_colours("A { color: $text-muted; border: round $accent; text-style: bold; width: 1fr; }") == []
    assert code_colours('Style(color="red")\nText("x", style="bold #00ff00")\nText("y", style="bold")') == [
        "line 1: color='red'", "line 2: style='bold #00ff00'"]
