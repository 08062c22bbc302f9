"""Writing .env files: atomic, mode-keeping, backed up, never through a symlink silently (pyfakefs)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from pyfakefs.fake_filesystem import FakeFilesystem

from pgconnect_cli import dotenv_file
from pgconnect_cli.dotenv_file import plan_update, read_env_file, write_atomic, write_env
from pgconnect_cli.errors import UsageError

ENV = Path("/project/.env")
OLD = "# keep me\nexport A=1\nDATABASE_URL=postgresql://old@localhost/old\n"
NEW_URL = "postgresql://app:pw@localhost/app"


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def _write(text: str, *, follow_symlinks: bool = False) -> None:
    current = read_env_file(ENV, follow_symlinks=follow_symlinks)
    plan = plan_update(current.text, {"DATABASE_URL": NEW_URL}, force=True)
    write_env(current, plan.text)


def test_a_new_file_is_created_with_mode_0600(fs: FakeFilesystem) -> None:
    fs.create_dir("/project")
    os.umask(0o022)
    _write("")
    assert _mode(ENV) == 0o600


def test_an_existing_0640_file_stays_0640(fs: FakeFilesystem) -> None:
    fs.create_file(ENV, contents=OLD, st_mode=stat.S_IFREG | 0o640)
    _write(OLD)
    assert _mode(ENV) == 0o640
    assert 'DATABASE_URL="postgresql://app:pw@localhost/app"' in ENV.read_text()


def test_the_backup_holds_the_previous_content_with_mode_0600(fs: FakeFilesystem) -> None:
    fs.create_file(ENV, contents=OLD, st_mode=stat.S_IFREG | 0o644)
    _write(OLD)
    backup = Path("/project/.env.bak")
    assert backup.read_text() == OLD
    assert _mode(backup) == 0o600


def test_a_new_file_has_no_backup(fs: FakeFilesystem) -> None:
    fs.create_dir("/project")
    _write("")
    assert not Path("/project/.env.bak").exists()


RICH = (
    "# comment\n"
    "\n"
    "export NODE_ENV=production\n"
    "SINGLE='it\\'s'  # trailing comment\n"
    'DOUBLE="a \\"quoted\\" value"\n'
    'MULTI="line one\n'
    "line two\n"
    '"\n'
    "\t\n"
    "DATABASE_URL=postgresql://old@localhost/old\n"
    "LAST=1"
)


def test_every_other_line_survives_the_write_byte_for_byte(fs: FakeFilesystem) -> None:
    fs.create_file(ENV, contents=RICH.encode())
    _write(RICH)
    before, after = RICH.encode().split(b"DATABASE_URL=postgresql://old@localhost/old\n")
    new = ENV.read_bytes()
    assert new.startswith(before + b'DATABASE_URL="' + NEW_URL.encode() + b'"\n' + after)


def test_a_symlinked_env_is_refused_and_left_alone(fs: FakeFilesystem) -> None:
    fs.create_file("/shared/real.env", contents=OLD)
    fs.create_dir("/project")
    os.symlink("/shared/real.env", ENV)
    with pytest.raises(UsageError, match=r"symbolic link.*--follow-symlinks"):
        _write(OLD)
    assert os.path.islink(ENV)
    assert Path("/shared/real.env").read_text() == OLD


def test_follow_symlinks_writes_the_target_and_keeps_the_link(fs: FakeFilesystem) -> None:
    fs.create_file("/shared/real.env", contents=OLD, st_mode=stat.S_IFREG | 0o640)
    fs.create_dir("/project")
    os.symlink("/shared/real.env", ENV)
    _write(OLD, follow_symlinks=True)
    assert os.path.islink(ENV)
    assert NEW_URL in Path("/shared/real.env").read_text()
    assert _mode(Path("/shared/real.env")) == 0o640
    assert Path("/shared/real.env.bak").read_text() == OLD


def test_a_failure_between_write_and_rename_leaves_the_original_intact(
    fs: FakeFilesystem, monkeypatch: pytest.MonkeyPatch
) -> None:
    fs.create_file(ENV, contents=OLD, st_mode=stat.S_IFREG | 0o640)
    current = read_env_file(ENV)
    plan = plan_update(current.text, {"DATABASE_URL": NEW_URL}, force=True)
    real_replace = dotenv_file.os.replace

    def replace(src: str, dst: str) -> None:
        if str(dst) == str(ENV):
            assert Path(src).read_text() == plan.text  # written in full, not yet in place
            raise OSError(28, "No space left on device", str(dst))
        real_replace(src, dst)

    # pyfakefs gives each module its own fake `os`: patch the one dotenv_file uses
    monkeypatch.setattr(dotenv_file.os, "replace", replace)
    with pytest.raises(UsageError, match="unchanged"):
        write_env(current, plan.text)
    assert ENV.read_text() == OLD
    assert _mode(ENV) == 0o640
    assert sorted(os.listdir("/project")) == [".env", ".env.bak"]


def test_write_atomic_removes_its_temporary_file_when_the_rename_fails(
    fs: FakeFilesystem, monkeypatch: pytest.MonkeyPatch
) -> None:
    fs.create_file("/d/f", contents="old")

    def replace(src: str, dst: str) -> None:
        raise OSError(5, "Input/output error")

    # pyfakefs gives each module its own fake `os`: patch the one dotenv_file uses
    monkeypatch.setattr(dotenv_file.os, "replace", replace)
    with pytest.raises(OSError):
        write_atomic(Path("/d/f"), b"new", mode=0o600)
    assert os.listdir("/d") == ["f"]
    assert Path("/d/f").read_text() == "old"


def test_a_file_changed_since_it_was_read_is_not_overwritten(fs: FakeFilesystem) -> None:
    fs.create_file(ENV, contents=OLD)
    current = read_env_file(ENV)
    ENV.write_text(OLD + "B=2\n")
    with pytest.raises(UsageError, match="changed while"):
        write_env(current, "X=1\n")
    assert ENV.read_text() == OLD + "B=2\n"


def test_crlf_and_a_byte_order_mark_are_kept_through_read_and_write(fs: FakeFilesystem) -> None:
    original = "\ufeffA=1\r\nDATABASE_URL=old\r\n"
    fs.create_file(ENV, contents=original.encode("utf-8"))
    _write(original)
    assert ENV.read_bytes() == f'\ufeffA=1\r\nDATABASE_URL="{NEW_URL}"\r\n'.encode()


def test_a_file_that_is_not_utf8_is_refused(fs: FakeFilesystem) -> None:
    fs.create_file(ENV, contents=b"A=\xff\xfe\n")
    with pytest.raises(UsageError, match="not UTF-8"):
        read_env_file(ENV)


def test_a_directory_in_place_of_the_file_is_refused(fs: FakeFilesystem) -> None:
    fs.create_dir(ENV)
    with pytest.raises(UsageError, match="not a regular file"):
        read_env_file(ENV)


def test_a_missing_directory_is_refused(fs: FakeFilesystem) -> None:
    with pytest.raises(UsageError, match="no such directory"):
        read_env_file(Path("/nowhere/.env"))
