"""One initdb per test session; every cluster the fixtures start is a copy (several times faster).

A `ClusterTemplate` is a `pgconnect_cli.lab.ClusterSource`: pass it as `cluster=` to
`lab.up` / `lab.start_postgres`. Its superuser password is replaced in every copy right
after the copy starts.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from pgconnect_cli import lab as pgc_lab
from pgconnect_cli.lab.postgres import run_initdb
from pgconnect_cli.lab.system import (
    absolute,
    chown_to,
    generate_password,
    make_owned_dir,
    remove_tree,
    require_reachable,
    write_private,
)


@dataclass(frozen=True)
class ClusterTemplate:
    """A data directory initdb made once and never started."""

    directory: Path
    bindir: Path
    run_as: pgc_lab.RunAs | None
    superuser_password: str = field(repr=False)

    @property
    def data_dir(self) -> Path:
        return self.directory / "data"

    def create(
        self, data: Path, binaries: pgc_lab.PgBinaries, run_as: pgc_lab.RunAs | None, pwfile: Path
    ) -> str:
        if (self.bindir, self.run_as) != (binaries.bindir, run_as):
            raise pgc_lab.LabError(
                f"cluster template {self.directory} was made by other binaries or for another user"
            )
        try:
            shutil.copytree(self.data_dir, data, symlinks=True)
            if run_as is not None:
                for root, dirs, files in os.walk(data):
                    for name in [*dirs, *files]:
                        chown_to(Path(root) / name, run_as)
                chown_to(data, run_as)
        except OSError as exc:
            raise pgc_lab.LabError(
                f"cannot copy cluster template {self.directory}: {exc.strerror or exc}"
            ) from None
        return self.superuser_password


def make_template(
    directory: Path, *, binaries: pgc_lab.PgBinaries | None = None, run_as: pgc_lab.RunAs | bool | None = True
) -> ClusterTemplate:
    """initdb into `directory/data` (created)."""
    binaries = binaries or pgc_lab.find_postgres()
    identity = pgc_lab.server_identity() if run_as is True else (run_as or None)
    directory = absolute(directory)
    require_reachable(directory, identity)
    make_owned_dir(directory, identity)
    password = generate_password()
    try:
        write_private(directory / "superuser.password", password + "\n", identity)
        run_initdb(binaries, directory / "data", directory / "superuser.password", identity)
    except BaseException:
        with contextlib.suppress(pgc_lab.LabError):
            remove_tree(directory)
        raise
    return ClusterTemplate(directory, binaries.bindir, identity, password)
