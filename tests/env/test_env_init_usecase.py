"""`run_init` as plain Python, with a scripted asker in place of the terminal."""

from __future__ import annotations

from pathlib import Path

import pytest
from dotenv import dotenv_values

from pgconnect_cli.errors import FindingError, UsageError
from pgconnect_cli.usecases.env_init import PROVIDER_CHOICES, InitRequest, run_init
from tests.env.scripted import OutOfAnswers, ScriptedAsker

POOLED = "postgresql://app:s3cret@ep-cool-1-pooler.us-east-2.aws.neon.tech/app?sslmode=require"
DIRECT = "postgresql://app:s3cret@ep-cool-1.us-east-2.aws.neon.tech/app?sslmode=require"
LOCAL_POOLED = "postgresql://app:s3cret@localhost:6432/app?pgbouncer=true"
LOCAL_DIRECT = "postgresql://app:s3cret@localhost:5432/app"


def test_without_an_asker_both_urls_given_are_written(tmp_path: Path) -> None:
    result = run_init(InitRequest(database_url=POOLED, direct_url=DIRECT, file=tmp_path / ".env"))
    assert result.written is not None and result.written.created
    assert dotenv_values(tmp_path / ".env") == {"DATABASE_URL": POOLED, "DIRECT_URL": DIRECT}


def test_without_an_asker_a_missing_url_is_a_usage_error_naming_the_flag(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="--database-url"):
        run_init(InitRequest(file=tmp_path / ".env"))


def test_the_asker_is_asked_for_the_parts_and_the_other_url_is_derived(tmp_path: Path) -> None:
    asker = ScriptedAsker(
        ["neon", "ep-cool-1-pooler.us-east-2.aws.neon.tech", "5432", "app", "p@ss w$rd", "app"], [True]
    )
    run_init(InitRequest(file=tmp_path / ".env"), asker)
    text = (tmp_path / ".env").read_text()
    assert 'DATABASE_URL="postgresql://app:p%40ss%20w%24rd@ep-cool-1-pooler.' in text
    assert 'DIRECT_URL="postgresql://app:p%40ss%20w%24rd@ep-cool-1.us-east-2' in text


def test_the_password_is_asked_as_a_secret(tmp_path: Path) -> None:
    asker = ScriptedAsker(["local", "localhost", "5432", "app", "pw", "app", ""], [True])
    run_init(InitRequest(file=tmp_path / ".env"), asker)
    assert ("Password", "", True) in asker.asked


def test_the_asker_is_asked_for_the_direct_url_that_cannot_be_derived(tmp_path: Path) -> None:
    asker = ScriptedAsker([LOCAL_DIRECT])
    run_init(InitRequest(database_url=LOCAL_POOLED, yes=True, file=tmp_path / ".env"), asker)
    assert dotenv_values(tmp_path / ".env")["DIRECT_URL"] == LOCAL_DIRECT


def test_the_direct_url_question_for_a_pooled_database_url_has_no_default(tmp_path: Path) -> None:
    asker = ScriptedAsker([LOCAL_DIRECT])
    run_init(InitRequest(database_url=LOCAL_POOLED, yes=True, file=tmp_path / ".env"), asker)
    assert [(p, d) for p, d, _ in asker.asked] == [("DIRECT_URL", None)]


def test_an_empty_direct_url_answer_is_asked_again_never_taken_as_the_pooled_url(tmp_path: Path) -> None:
    asker = ScriptedAsker(["", LOCAL_DIRECT])
    run_init(InitRequest(database_url=LOCAL_POOLED, yes=True, file=tmp_path / ".env"), asker)
    assert len(asker.asked) == 2
    assert dotenv_values(tmp_path / ".env")["DIRECT_URL"] == LOCAL_DIRECT


def test_a_pooled_url_typed_as_direct_url_is_asked_again(tmp_path: Path) -> None:
    asker = ScriptedAsker([LOCAL_POOLED])
    with pytest.raises(OutOfAnswers):
        run_init(InitRequest(database_url=LOCAL_POOLED, yes=True, file=tmp_path / ".env"), asker)
    assert any("goes through a pooler" in m for m in asker.told)
    assert not (tmp_path / ".env").exists()


def test_the_confirmation_shows_the_masked_diff_first(tmp_path: Path) -> None:
    asker = ScriptedAsker([], [True])
    run_init(InitRequest(database_url=POOLED, direct_url=DIRECT, file=tmp_path / ".env"), asker)
    assert "+DATABASE_URL=" in asker.previews[0] and "s3cret" not in asker.previews[0]


def test_answering_no_writes_nothing(tmp_path: Path) -> None:
    asker = ScriptedAsker([], [False])
    with pytest.raises(FindingError, match="nothing was written"):
        run_init(InitRequest(database_url=POOLED, direct_url=DIRECT, file=tmp_path / ".env"), asker)
    assert not (tmp_path / ".env").exists()


def test_a_dry_run_returns_the_diff_and_writes_nothing(tmp_path: Path) -> None:
    result = run_init(
        InitRequest(database_url=POOLED, direct_url=DIRECT, file=tmp_path / ".env", dry_run=True)
    )
    assert result.written is None and "+DIRECT_URL=" in result.diff
    assert not (tmp_path / ".env").exists()


def test_the_same_url_is_offered_as_direct_url_only_when_nothing_marks_it_pooled(tmp_path: Path) -> None:
    asker = ScriptedAsker([""])
    result = run_init(InitRequest(database_url=LOCAL_DIRECT, yes=True, file=tmp_path / ".env"), asker)
    assert asker.asked[-1][1] == ""
    assert result.urls[1].how == "same as DATABASE_URL"


def test_the_cli_help_lists_every_provider_choice() -> None:
    from pgconnect_cli.cli.env import PROVIDERS_HELP

    assert PROVIDERS_HELP == ", ".join(PROVIDER_CHOICES)
