"""Long input: the userinfo split keeps its meaning with linear work, and `pgc url` refuses
strings far beyond any real connection string."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from pgconnect_cli.cli import app
from pgconnect_cli.conninfo.meant import MeantSplit, split_as_meant
from pgconnect_cli.conninfo.parse import parse, split_scheme

runner = CliRunner()
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")
_QUERY_KEY = re.compile(r"\?[A-Za-z_][A-Za-z0-9_]*=")


def _reference_split(raw: str) -> MeantSplit | None:
    """The definition, tried @ by @ (quadratic): the first @ followed by a plausible host list,
    database and query, with no `/…?key=` before it."""
    scheme = split_scheme(raw)
    if scheme is None:
        return None
    name, rest = scheme

    def plausible(tail: str) -> bool:
        end = next((i for i, c in enumerate(tail) if c in "/?"), len(tail))
        if any(c in tail[:end] for c in "@# "):
            return False
        q = tail.find("?", end)
        if tail[end : end + 1] == "/" and "@" in tail[end + 1 : q if q >= 0 else len(tail)]:
            return False
        if q >= 0:
            for pair in tail[q + 1 :].split("&"):
                key, eq, _ = pair.partition("=")
                if pair and (not eq or not _KEY.fullmatch(key)):
                    return False
        return True

    def path_and_query(userinfo: str) -> bool:
        slash = userinfo.find("/")
        return slash >= 0 and bool(_QUERY_KEY.search(userinfo, slash))

    ats = [i for i, c in enumerate(rest) if c == "@"]
    slash = rest.find("/")
    libpq_at = ats[0] if ats and (slash < 0 or ats[0] < slash) else None
    meant_at = next((i for i in ats if plausible(rest[i + 1 :]) and not path_and_query(rest[:i])), libpq_at)
    return MeantSplit(
        name,
        None if meant_at is None else rest[:meant_at],
        rest if meant_at is None else rest[meant_at + 1 :],
        None if libpq_at is None else rest[:libpq_at],
    )


_atoms = st.sampled_from([*"@/?#&= :abx", "ab=1", "?k=", "h.example.com", "%40"])


@settings(max_examples=400, derandomize=True, deadline=None)
@given(st.lists(_atoms, max_size=16).map(lambda parts: "postgresql://" + "".join(parts)))
def test_the_userinfo_split_agrees_with_its_definition(raw: str) -> None:
    assert split_as_meant(raw) == _reference_split(raw)


def test_a_password_of_many_at_signs_is_still_read_as_meant() -> None:
    split = split_as_meant("postgresql://u:" + "@" * 50_000 + "@db.example.com/db")
    assert split is not None and split.rest == "db.example.com/db"


def test_many_distinct_parameters_are_each_kept() -> None:
    ci = parse("postgresql://h/db?" + "&".join(f"p{i}=x" for i in range(20_000)))
    assert len(ci.options) == 20_002 and ci.duplicates == ()


def test_url_commands_refuse_input_over_64_kib() -> None:
    result = runner.invoke(app, ["url", "check", "postgresql://h/db?application_name=" + "x" * 70_000])
    assert result.exit_code == 2
    assert result.stderr.startswith("pgc: error: the URL is 70")
