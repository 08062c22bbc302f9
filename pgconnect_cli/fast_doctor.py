"""`pgc doctor` without typer: the command run before every deploy and in CI, where importing
typer and building the command tree would spend a tenth of the run (about 45 ms here).

`check` answers only a command line it reads exactly as click reads it for the typer command
(`cli/doctor.py`): the options below, each single-valued option given once, every value given
and not starting with `-`, numbers Python reads as click does, no argument. Anything else
answers None before anything is done, and the typer command runs and says what is wrong, as it
always has. Then both run `usecases.doctor_command.run`; a `PgcError` is reported as `cli`
reports it (one line; the `pgc.error/v1` document too under JSON). The tests hold this table to
the typer command's options and run both ways on the same command lines.
"""

from __future__ import annotations

from pathlib import Path

TYPE_CHECKING = False  # typing costs start-up
if TYPE_CHECKING:
    from pgconnect_cli.fast_args import Convert
    from pgconnect_cli.usecases.doctor_command import DoctorArgs

# click's reading of the typer command's options: flags, single values, repeatable values
FLAGS = {
    "--no-environment": "no_environment",
    "--offline": "offline",
    "--strict": "strict",
    "--ci": "ci",
    "--verbose": "verbose",
    "-v": "verbose",
    "--quiet": "quiet",
    "-q": "quiet",
    "--json": "json_flag",
    "--no-color": "no_color",
}


def _format(value: str) -> object:
    from pgconnect_cli.render.emit import OutputFormat

    return OutputFormat(value.lower())  # click's choice here is case-insensitive


SINGLE: dict[str, tuple[str, Convert]] = {
    "--client": ("client", str),
    "--timeout": ("timeout", float),
    "--wait": ("wait", float),
    "--resolver": ("resolver", str),
    "--instances": ("instances", int),
    "--format": ("fmt", _format),
    "-f": ("fmt", _format),
}
MULTIPLE: dict[str, tuple[str, Convert]] = {
    "--url": ("url", str),
    "--env-file": ("env_file", Path),
    "--resolve": ("resolve", str),
    "--ignore": ("ignore", str),
}


def parse(args: list[str]) -> DoctorArgs | None:
    """The options of `pgc doctor ARGS`, or None for a command line left to click."""
    from pgconnect_cli.fast_args import read
    from pgconnect_cli.usecases.doctor_command import DoctorArgs

    given = read(args, FLAGS, SINGLE, MULTIPLE)
    return None if given is None else DoctorArgs(**given)  # type: ignore[arg-type]


def check(argv: list[str], machine: bool) -> int | None:
    """`pgc doctor …` as the typer command runs it; None: left to the typer command."""
    args = parse(argv[1:])
    if args is None:
        return None
    from pgconnect_cli.errors import PgcError
    from pgconnect_cli.messages import say_error
    from pgconnect_cli.usecases.doctor_command import output_format, run

    try:
        return run(args)
    except PgcError as err:
        # as `cli._common.fail`: under a machine format, the error document on stdout too
        code = "usage-error" if err.exit_code == 2 else "error"
        say_error(err.message, machine=output_format(args).machine, code=code)
        return err.exit_code
