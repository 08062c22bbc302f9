"""Planning a .env update: pure text in, text out; every line that is not ours stays as it was."""

from __future__ import annotations

import io

import pytest
from dotenv import dotenv_values
from hypothesis import given, settings
from hypothesis import strategies as st

from pgconnect_cli.conninfo import parse
from pgconnect_cli.dotenv_file import (
    APPEND_HEADER,
    Action,
    UnsafeValueError,
    encode_url,
    parse_document,
    plan_update,
    quote_value,
    render_diff,
)

POOLED = "postgresql://app:s3cret@ep-cool-1-pooler.us-east-2.aws.neon.tech/app?sslmode=require"
DIRECT = "postgresql://app:s3cret@ep-cool-1.us-east-2.aws.neon.tech/app?sslmode=require"

EXISTING = (
    "# project settings\n"
    "\n"
    "export NODE_ENV=production\n"
    "API_KEY='abc\\'def'   # single-quoted, escaped quote\n"
    'CERT="-----BEGIN-----\n'
    "line two\n"
    '-----END-----"\n'
    "   \n"
    "DATABASE_URL=postgresql://old:old@localhost/old\n"
    "EMPTY=\n"
    "# trailing comment"
)


def _read(text: str) -> dict[str, str | None]:
    return dict(dotenv_values(stream=io.StringIO(text), interpolate=False))


def test_every_other_line_is_kept_byte_for_byte() -> None:
    plan = plan_update(EXISTING, {"DATABASE_URL": POOLED, "DIRECT_URL": DIRECT}, force=True)
    before, after = EXISTING.split("DATABASE_URL=postgresql://old:old@localhost/old\n")
    assert plan.text.startswith(before)
    assert plan.text.split(f'DATABASE_URL="{POOLED}"\n', 1)[1].startswith(after)


def test_an_existing_key_is_replaced_on_its_own_line() -> None:
    plan = plan_update(EXISTING, {"DATABASE_URL": POOLED}, force=True)
    lines = plan.text.splitlines()
    assert lines[8] == f'DATABASE_URL="{POOLED}"'
    assert plan.changes[0].action is Action.REPLACE
    assert plan.changes[0].line == 9


def test_a_missing_key_is_appended_after_a_final_newline() -> None:
    plan = plan_update(EXISTING, {"DIRECT_URL": DIRECT})
    assert plan.text == EXISTING + "\n\n" + APPEND_HEADER + f'\nDIRECT_URL="{DIRECT}"\n'


def test_a_new_file_gets_the_header_and_both_keys() -> None:
    plan = plan_update("", {"DATABASE_URL": POOLED, "DIRECT_URL": DIRECT})
    assert plan.text == f'{APPEND_HEADER}\nDATABASE_URL="{POOLED}"\nDIRECT_URL="{DIRECT}"\n'


def test_the_header_is_not_repeated_when_keys_are_appended_again() -> None:
    first = plan_update("", {"DATABASE_URL": POOLED}).text
    again = plan_update(first, {"DIRECT_URL": DIRECT}).text
    assert again.count(APPEND_HEADER) == 1


def test_python_dotenv_reads_back_the_old_values_plus_ours() -> None:
    plan = plan_update(EXISTING, {"DATABASE_URL": POOLED, "DIRECT_URL": DIRECT}, force=True)
    assert _read(plan.text) == {**_read(EXISTING), "DATABASE_URL": POOLED, "DIRECT_URL": DIRECT}


def test_a_key_holding_another_value_is_blocked_without_force() -> None:
    plan = plan_update(EXISTING, {"DATABASE_URL": POOLED, "DIRECT_URL": DIRECT})
    assert plan.conflicts == ("DATABASE_URL",)
    assert plan.text == EXISTING
    assert not plan.changed


def test_an_empty_value_is_filled_without_force() -> None:
    plan = plan_update("DATABASE_URL=\nDIRECT_URL\n", {"DATABASE_URL": POOLED, "DIRECT_URL": DIRECT})
    assert plan.conflicts == ()
    assert plan.text == f'DATABASE_URL="{POOLED}"\nDIRECT_URL="{DIRECT}"\n'


def test_the_same_value_written_the_same_way_is_unchanged() -> None:
    text = f'DATABASE_URL="{POOLED}"\n'
    plan = plan_update(text, {"DATABASE_URL": POOLED})
    assert plan.changes[0].action is Action.KEEP
    assert not plan.changed


def test_the_same_value_written_unquoted_is_rewritten_quoted_without_force() -> None:
    plan = plan_update(f"DATABASE_URL={POOLED}\n", {"DATABASE_URL": POOLED})
    assert plan.changes[0].action is Action.REQUOTE
    assert plan.text == f'DATABASE_URL="{POOLED}"\n'


def test_export_prefix_indentation_and_inline_comment_survive_a_replacement() -> None:
    plan = plan_update("  export DATABASE_URL = old   # the app\n", {"DATABASE_URL": POOLED}, force=True)
    assert plan.text == f'  export DATABASE_URL="{POOLED}"   # the app\n'


def test_a_comment_glued_to_the_value_is_kept_apart_from_the_new_quote() -> None:
    plan = plan_update("DATABASE_URL='old'#note\n", {"DATABASE_URL": POOLED}, force=True)
    assert plan.text == f'DATABASE_URL="{POOLED}" #note\n'


def test_the_last_of_duplicate_keys_is_replaced_and_the_earlier_ones_reported() -> None:
    text = "DATABASE_URL=a\nX=1\nDATABASE_URL=b\n"
    plan = plan_update(text, {"DATABASE_URL": POOLED}, force=True)
    assert plan.text == f'DATABASE_URL=a\nX=1\nDATABASE_URL="{POOLED}"\n'
    assert plan.changes[0].duplicates == (1,)


def test_crlf_files_get_crlf_lines_appended() -> None:
    plan = plan_update("A=1\r\nB=2", {"DIRECT_URL": DIRECT}, header=None)
    assert plan.text == f'A=1\r\nB=2\r\nDIRECT_URL="{DIRECT}"\r\n'


def test_a_byte_order_mark_is_kept() -> None:
    plan = plan_update("\ufeffA=1\n", {"DIRECT_URL": DIRECT}, header=None)
    assert plan.text == f'\ufeffA=1\nDIRECT_URL="{DIRECT}"\n'


def test_lines_python_dotenv_cannot_parse_are_kept_as_they_are() -> None:
    text = "A='unterminated\nDATABASE_URL=old\n"
    plan = plan_update(text, {"DATABASE_URL": POOLED}, force=True)
    assert plan.text == f'A=\'unterminated\nDATABASE_URL="{POOLED}"\n'


def test_an_invalid_variable_name_is_refused() -> None:
    from pgconnect_cli.errors import UsageError

    with pytest.raises(UsageError):
        plan_update("", {"BAD-NAME": "x"})


@pytest.mark.parametrize("char", ["$", "`", '"', "\\", " ", "\n", "\t"])
def test_quote_value_refuses_characters_some_dialect_reads_differently(char: str) -> None:
    with pytest.raises(UnsafeValueError):
        quote_value(f"a{char}b")


def test_quote_value_double_quotes_a_safe_value() -> None:
    assert quote_value("postgresql://u:p%40@h/db?a=1&b=2#x") == '"postgresql://u:p%40@h/db?a=1&b=2#x"'


NASTY = "p@ss:w/o?r#d $HOME `id` 'q' \"dq\" \\back ${X} %41 ~!&;|<>"


def test_encode_url_percent_encodes_a_password_full_of_specials() -> None:
    ci = parse("postgresql://app@localhost:5432/app").replace(password=NASTY)
    value = encode_url(ci)
    quote_value(value)  # nothing any dialect would touch
    assert parse(value).password == NASTY


def test_encode_url_encodes_database_names_and_parameter_values_too() -> None:
    ci = parse("postgresql://app@localhost/app").replace(dbname="my $db", application_name="a b`c")
    value = encode_url(ci)
    assert parse(value).dbname == "my $db"
    assert parse(value).get("application_name") == "a b`c"


def test_the_diff_masks_passwords_and_shows_no_other_line() -> None:
    text = "STRIPE_KEY=sk_live_topsecret\nDATABASE_URL=postgresql://old:oldpass@localhost/old\n"
    plan = plan_update(text, {"DATABASE_URL": POOLED, "DIRECT_URL": DIRECT}, force=True)
    diff = render_diff(plan, ".env")
    assert "s3cret" not in diff and "oldpass" not in diff
    assert "sk_live_topsecret" not in diff
    assert "-DATABASE_URL=" in diff and '+DATABASE_URL="postgresql://app:****@' in diff
    assert '+DIRECT_URL="postgresql://app:****@' in diff


def test_the_diff_does_not_show_the_last_line_when_only_a_final_newline_is_added() -> None:
    plan = plan_update("TOKEN=secret-token", {"DIRECT_URL": DIRECT})
    assert "secret-token" not in render_diff(plan, ".env")


# --- properties -----------------------------------------------------------------------------

_line = st.one_of(
    st.just(""),
    st.just("# a comment"),
    st.from_regex(r"(export )?[A-Z_]{1,6} ?= ?[a-z0-9 #'\"$\\]{0,12}", fullmatch=True),
    st.from_regex(r"[A-Z]{1,4}=\"[a-z\n ]{0,8}\"", fullmatch=True),
    st.from_regex(r"DATABASE_URL=[a-z:/@]{0,10}", fullmatch=True),
    st.text(alphabet="ab=#'\"\\ \t$", max_size=8),
)
_text = st.lists(_line, max_size=8).flatmap(
    lambda lines: st.sampled_from(["\n", "\r\n"]).map(lambda nl: nl.join(lines))
)


@settings(max_examples=300, deadline=None)
@given(_text)
def test_parsing_accounts_for_every_byte(text: str) -> None:
    assert parse_document(text).text == text


@settings(max_examples=300, deadline=None)
@given(_text)
def test_planning_changes_only_our_keys(text: str) -> None:
    doc = parse_document(text)
    if doc.errors:
        return
    plan = plan_update(text, {"DATABASE_URL": POOLED, "DIRECT_URL": DIRECT}, force=True)
    assert _read(plan.text) == {**_read(text), "DATABASE_URL": POOLED, "DIRECT_URL": DIRECT}
    ours = {"DATABASE_URL", "DIRECT_URL"}
    old_rest = "".join(s.original for s in doc.statements if s.key not in ours)
    new_rest = "".join(s.original for s in parse_document(plan.text).statements if s.key not in ours)
    assert new_rest.startswith(old_rest)
