"""`pgc doctor` as a plain function: the options as typed values in, the exit code out.

The typer command (`cli/doctor.py`) and the start-up fast path (`fast_doctor.py`) both read
their command line into `DoctorArgs` and call `run`; a `PgcError` raised here (bad input, no
URL found) is theirs to report (one line, and the error document under a machine format).
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pgconnect_cli.errors import UsageError

# emit.py imports the standard library only: the one place OutputFormat lives (rich loads later)
from pgconnect_cli.render.emit import OutputFormat  # noqa: TID253

if TYPE_CHECKING:
    from pgconnect_cli.doctor import DoctorOptions, DoctorReport

__all__ = ["TITLE", "DoctorArgs", "run"]

TITLE = "pgc doctor"


@dataclass
class DoctorArgs:
    """The command line of `pgc doctor`, read (the flags' meaning is in `cli/doctor.py`)."""

    url: list[str] = field(default_factory=list)
    env_file: list[Path] = field(default_factory=list)
    no_environment: bool = False
    client: str | None = None
    timeout: float | None = None
    wait: float = 0.0
    resolver: str | None = None
    resolve: list[str] = field(default_factory=list)
    offline: bool = False
    instances: int | None = None
    strict: bool = False
    ignore: list[str] = field(default_factory=list)
    ci: bool = False
    verbose: bool = False
    quiet: bool = False
    fmt: OutputFormat | None = None
    json_flag: bool = False
    no_color: bool = False

    def __post_init__(self) -> None:  # typer gives None for a repeatable option not given
        self.url, self.env_file = list(self.url or ()), list(self.env_file or ())
        self.resolve, self.ignore = list(self.resolve or ()), list(self.ignore or ())


def output_format(args: DoctorArgs) -> OutputFormat:
    """--json, else --format, else github with --ci inside GitHub Actions, else human."""
    if args.json_flag:
        return OutputFormat.json
    if args.fmt is not None:
        return args.fmt
    in_actions = args.ci and os.environ.get("GITHUB_ACTIONS") == "true"
    return OutputFormat.github if in_actions else OutputFormat.human


def run(args: DoctorArgs, *, chose: Callable[[OutputFormat], None] = lambda fmt: None) -> int:
    """Find the URLs, check them, print the report in the chosen format; the exit code.
    `chose(fmt)` learns the output format before anything can fail (an error is then a document
    on stdout too under a machine format)."""
    from pgconnect_cli.arguments import ignore_ids
    from pgconnect_cli.errors import PgcError

    if args.no_color:
        os.environ["NO_COLOR"] = "1"
    output = output_format(args)
    chose(output)
    preload = _preload(output, live=not args.offline)
    try:
        from pgconnect_cli import config
        from pgconnect_cli.doctor.options import from_flags
        from pgconnect_cli.findings import ignore as accept

        settings = config.load()
        options = from_flags(settings, args)
        show_progress = output is OutputFormat.human and not args.ci
        report = _diagnose(
            args.url, args.env_file, options, no_environment=args.no_environment, progress=show_progress
        )
        report = accept(report, ignore_ids(args.ignore or None, settings.ignore))
    except PgcError:
        preload.join()
        raise
    from pgconnect_cli.render.emit import emit

    preload.join()
    emit(report, output, verbose=args.verbose, quiet=args.quiet, title=TITLE)
    return report.exit_code


def _diagnose(
    urls: list[str],
    env_files: list[Path],
    options: DoctorOptions,
    *,
    no_environment: bool,
    progress: bool,
) -> DoctorReport:
    from pgconnect_cli import doctor, project, targets
    from pgconnect_cli.checks.envfile import syntax_findings

    files = list(env_files)
    if not files and not urls and Path(".env").is_file():
        files = [Path(".env")]
    discovery = targets.discover_env(os.environ, files, include_environment=not (no_environment or urls))
    found = list(discovery.targets)
    file_findings = [f for path, doc in discovery.documents for f in syntax_findings(doc, str(path))]
    given = targets.parse_url_flag(urls)
    named = {t.name for t in given}
    chosen = [t for t in found if t.name not in named] + given
    for t in given:
        if not t.value:
            raise UsageError(f"--url {t.name}=: the URL is empty")
    if not chosen:
        where = ", ".join(str(f) for f in files) if files else "the environment or ./.env"
        raise UsageError(f"no PostgreSQL URL found in {where}: set DATABASE_URL, or pass --url or --env-file")
    detected = project.detect(Path.cwd())
    if progress and not options.offline and sys.stderr.isatty():
        from pgconnect_cli.render.console import stderr

        with stderr().status(f"checking {len(chosen)} URL{'s' if len(chosen) > 1 else ''}…"):
            return doctor.run(
                chosen, options, detected, file_findings=file_findings, shadowed=discovery.shadowed
            )
    return doctor.run(chosen, options, detected, file_findings=file_findings, shadowed=discovery.shadowed)


def _preload(output: OutputFormat, *, live: bool) -> threading.Thread:
    """Start what the run needs later while it reads its files and the probes wait on the network:
    live, the client tools' versions and the psycopg import (`probes.warmup`); and the renderer,
    joined before anything is printed: two threads importing one module at once can see it
    half-initialised."""
    import importlib

    from pgconnect_cli.render.emit import renderer_module

    if live:
        from pgconnect_cli.probes import warmup

        warmup.start()
    module = renderer_module("DoctorReport", output)
    thread = threading.Thread(target=importlib.import_module, args=(module,), daemon=True)
    thread.start()
    return thread
