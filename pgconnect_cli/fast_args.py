"""The command-line reader of the start-up fast paths (`fast_url`, `fast_doctor`): it reads only
what click reads one way, and declines (None) everything else, so that click reads it.

What it reads: the given flags; options with a value (`--opt VALUE`, `--opt=VALUE`, a short one
as `-f VALUE`), the value not empty and not starting with `-`, a single-valued one given once;
with `argument`, one argument not starting with `-`. Values are converted by the table's
function (`float`, `int`, `Path`, … : what click's types call); a ValueError declines too.
"""

from __future__ import annotations

TYPE_CHECKING = False  # mypy reads any constant of this name as typing's (typing costs start-up)
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    Convert = Callable[[str], object]


def read(
    args: list[str],
    flags: Mapping[str, str],
    single: Mapping[str, tuple[str, Convert]],
    multiple: Mapping[str, tuple[str, Convert]],
    *,
    argument: str | None = None,
) -> dict[str, object] | None:
    """{attribute: value} of what `args` give (flags True, repeatable options a list), or None."""
    read: dict[str, object] = {}
    rest = list(args)
    while rest:
        arg = rest.pop(0)
        if arg in flags:
            read[flags[arg]] = True
            continue
        name, eq, value = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        spec = single.get(name) or multiple.get(name)
        if spec is None:
            if arg[:1] == "-" or argument is None or argument in read:  # `-`, `--`, -h, unknown
                return None
            read[argument] = arg
            continue
        if not eq:
            if not rest:
                return None
            value = rest.pop(0)
        attr, convert = spec
        if not value or value[:1] == "-" or (name in single and attr in read):
            return None
        try:
            converted = convert(value)
        except ValueError:
            return None
        if name in multiple:
            read.setdefault(attr, [])
            read[attr].append(converted)  # type: ignore[attr-defined]
        else:
            read[attr] = converted
    return read
