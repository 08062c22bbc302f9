"""The plain writer (reports for a pipe, a file, a CI log) writes the very bytes rich would.

Off a terminal rich writes no escape code, so `render.console.Plain` writes human reports there
without loading rich. These tests hold it to rich itself: the same lines of styled text, hostile
characters included, through both; the same width; the same idea of what is a terminal.
"""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from pgconnect_cli.render import console as consoles
from pgconnect_cli.render.console import Batch, Plain, Text

# what reaches a printer: words, the five control codes rich strips, escape and NUL (left to
# render.sanitize), tabs (rich expands them by cells), wide and combining characters, newlines
_ALPHABET = st.sampled_from(
    [
        *"ab z:=/@-·→✓✗",
        "\t",
        "\n",
        "\r",
        "\x07",
        "\x08",
        "\x0b",
        "\x0c",
        "\x1b",
        "\x00",
        "世",
        "🐘",
        "\u0301",
        "\u200b",
        "\ufe0f",
        "\x9b",
        "\ud800",
    ]
)
_STYLES = st.sampled_from(["", "bold", "dim", "red", "green", "yellow", "cyan", "bold red"])
_SPANS = st.lists(st.tuples(st.text(_ALPHABET, max_size=12), _STYLES), max_size=5)


def _text(spans: list[tuple[str, str]]) -> Text:
    t = Text()
    for text, style in spans:
        t.append(text, style)
    return t


def _rich_console(out: io.StringIO) -> consoles.Rich:
    # render.console's rich writer (the one a terminal gets), here on a stream that is not one
    return consoles.Rich(out, no_color=False)


@given(st.lists(st.one_of(_SPANS, st.text(_ALPHABET, max_size=20)), max_size=4), st.booleans())
def test_plain_writes_what_rich_writes(lines: list[list[tuple[str, str]] | str], end_blank: bool) -> None:
    objects = [_text(x) if isinstance(x, list) else x for x in lines]
    plain, rich = io.StringIO(), io.StringIO()
    end = "" if end_blank else "\n"
    Plain(plain).print(*objects, end=end)
    _rich_console(rich).print(*objects, end=end)
    assert plain.getvalue() == rich.getvalue()


@given(st.lists(_SPANS, max_size=6))
def test_a_batch_through_plain_writes_what_a_print_per_line_through_rich_writes(
    lines: list[list[tuple[str, str]]],
) -> None:
    plain, rich = io.StringIO(), io.StringIO()
    batch = Batch(Plain(plain))
    each = _rich_console(rich)
    for spans in lines:
        batch.print(_text(spans))
        each.print(_text(spans))
    batch.flush()
    assert plain.getvalue() == rich.getvalue()


def test_an_empty_print_is_an_empty_line() -> None:
    out = io.StringIO()
    Plain(out).print()
    assert out.getvalue() == "\n"


@pytest.mark.parametrize("columns", [None, "100", "40", "0", "abc"])
def test_the_width_is_rich_s(monkeypatch: pytest.MonkeyPatch, columns: str | None) -> None:
    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    assert Plain(io.StringIO()).width == Console(file=io.StringIO()).width


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    "env",
    [{}, {"FORCE_COLOR": "1"}, {"FORCE_COLOR": ""}, {"TTY_COMPATIBLE": "0"}, {"TTY_COMPATIBLE": "1"}],
)
@pytest.mark.parametrize("stream", [io.StringIO, _Tty])
def test_a_terminal_is_what_rich_calls_one(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], stream: type[io.StringIO]
) -> None:
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    file = stream()
    assert consoles._terminal(file) == Console(file=file).is_terminal


def test_a_terminal_gets_rich_with_its_styles(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.delenv("TTY_COMPATIBLE", raising=False)
    out = _Tty()
    monkeypatch.setattr("sys.stdout", out)
    shown = consoles.stdout()
    assert isinstance(shown, consoles.Rich)
    shown.print(Text("ok", style="bold"))
    assert out.getvalue() == "\x1b[1mok\x1b[0m\n"
