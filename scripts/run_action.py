"""Run a composite GitHub Action's `run:` steps here, the way the runner would (for tests and trials).

    python scripts/run_action.py [--input NAME=VALUE]... [--skip STEP_ID]... [--link NAME=PATH]...
                                 [--action action.yml]

Each step gets GITHUB_ACTIONS=true and fresh GITHUB_OUTPUT, GITHUB_ENV, GITHUB_STEP_SUMMARY,
RUNNER_TEMP files, as on GitHub; `${{ inputs.X }}` (defaults filled in), `github.*`, `runner.temp`,
`env.X` and `steps.ID.outputs.X` are substituted; `uses:` steps cannot run here and are skipped.
`--link NAME=PATH` puts PATH at $RUNNER_TEMP/NAME (e.g. an installed pgc in place of the install
step). Steps stop at the first failure, like the runner. Exit code: the failing step's, else 0.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_COMMAND = re.compile(r"^::([a-z-]+)(?: ([^:]*))?::(.*)$")
_SHELLS = {"bash": ["bash", "--noprofile", "--norc", "-eo", "pipefail"], "sh": ["sh", "-e"]}


@dataclass(frozen=True)
class Annotation:
    """One workflow command line (`::error file=.env,line=3,title=…::message`), unescaped."""

    command: str
    properties: dict[str, str]
    message: str


@dataclass
class ActionRun:
    exit_code: int
    stdout: str
    stderr: str
    outputs: dict[str, str]  # the action's outputs
    step_outputs: dict[str, dict[str, str]]
    summary: str  # what the steps appended to $GITHUB_STEP_SUMMARY
    ran: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def annotations(self) -> list[Annotation]:
        return annotations(self.stdout)


def _unescape(text: str, *, prop: bool) -> str:
    pairs = [("%0D", "\r"), ("%0A", "\n")] + ([("%3A", ":"), ("%2C", ",")] if prop else [])
    for code, char in pairs:
        text = text.replace(code, char)
    return text.replace("%25", "%")


def annotations(stdout: str) -> list[Annotation]:
    """The workflow commands in `stdout`; a line starting with `::` that is not one raises ValueError."""
    found = []
    for line in stdout.splitlines():
        if not line.startswith("::"):
            continue
        match = _COMMAND.match(line)
        if not match:
            raise ValueError(f"not a workflow command: {line!r}")
        command, props, message = match.groups()
        properties = {}
        for item in filter(None, (props or "").split(",")):
            key, sep, value = item.partition("=")
            if not sep or not key:
                raise ValueError(f"bad property {item!r} in {line!r}")
            properties[key] = _unescape(value, prop=True)
        found.append(Annotation(command, properties, _unescape(message, prop=False)))
    return found


def _read_file_commands(path: Path) -> dict[str, str]:
    """`key=value` lines and `key<<DELIM` … `DELIM` blocks of $GITHUB_OUTPUT / $GITHUB_ENV."""
    values: dict[str, str] = {}
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            key, delimiter = line.split("<<", 1)
            end = lines.index(delimiter, i + 1)
            values[key] = "\n".join(lines[i + 1 : end])
            i = end + 1
            continue
        key, sep, value = line.partition("=")
        if sep:
            values[key] = value
        i += 1
    return values


class _Context:
    def __init__(self, inputs: Mapping[str, str], env: Mapping[str, str], action_path: Path, temp: Path):
        self.inputs = dict(inputs)
        self.env = env
        self.github = {"action_path": str(action_path), "workspace": os.getcwd()}
        self.runner = {"temp": str(temp), "os": "Linux"}
        self.steps: dict[str, dict[str, str]] = {}

    def value(self, expression: str) -> str:
        parts = expression.split(".")
        if parts[0] == "inputs" and len(parts) == 2 and parts[1] in self.inputs:
            return self.inputs[parts[1]]
        if parts[0] in ("github", "runner") and len(parts) == 2:
            table = self.github if parts[0] == "github" else self.runner
            if parts[1] in table:
                return table[parts[1]]
        if parts[0] == "env" and len(parts) == 2:
            return self.env.get(parts[1], "")
        if parts[0] == "steps" and len(parts) == 4 and parts[2] == "outputs":
            return self.steps.get(parts[1], {}).get(parts[3], "")
        raise ValueError(f"expression not supported by this runner: ${{{{ {expression} }}}}")

    def substitute(self, text: Any) -> str:
        return _EXPRESSION.sub(lambda m: self.value(m.group(1)), str(text))


def run_action(
    inputs: Mapping[str, str] | None = None,
    *,
    action: Path = ROOT / "action.yml",
    env: Mapping[str, str] | None = None,
    skip: Collection[str] = (),
    links: Mapping[str, Path] | None = None,
    cwd: Path | None = None,
    timeout: float = 300,
) -> ActionRun:
    """Run the composite action's steps in `cwd` (default: here) with `inputs`; see the module doc."""
    spec = yaml.safe_load(action.read_text(encoding="utf-8"))
    if spec.get("runs", {}).get("using") != "composite":
        raise ValueError(f"{action}: not a composite action")
    declared = spec.get("inputs") or {}
    unknown = set(inputs or {}) - set(declared)
    if unknown:
        raise ValueError(f"{action}: no input named {', '.join(sorted(unknown))}")
    values = {name: str((inputs or {}).get(name, d.get("default", ""))) for name, d in declared.items()}
    base_env = dict(os.environ if env is None else env)
    with tempfile.TemporaryDirectory(prefix="run-action-") as scratch:
        temp = Path(scratch) / "runner-temp"
        temp.mkdir()
        for name, target in (links or {}).items():
            (temp / name).symlink_to(target)
        summary = Path(scratch) / "step-summary.md"
        github_env = Path(scratch) / "github-env"
        ctx = _Context(values, base_env, action.parent, temp)
        run = ActionRun(0, "", "", {}, ctx.steps, "")
        out, err = [], []
        for index, step in enumerate(spec["runs"]["steps"]):
            step_id = str(step.get("id") or f"step{index}")
            if "uses" in step or step_id in skip:
                run.skipped.append(step_id)
                continue
            if "if" in step:
                raise ValueError(f"step {step_id}: `if:` is not supported by this runner")
            shell = _SHELLS.get(step.get("shell", ""))
            if shell is None:
                raise ValueError(f"step {step_id}: shell {step.get('shell')!r} is not supported")
            script = Path(scratch) / f"{step_id}.sh"
            script.write_text(ctx.substitute(step["run"]), encoding="utf-8")
            output = Path(scratch) / f"{step_id}.output"
            output.touch()
            step_env = {
                **base_env,
                **_read_file_commands(github_env),
                "GITHUB_ACTIONS": "true",
                "CI": "true",
                "GITHUB_ACTION_PATH": str(action.parent),
                "GITHUB_WORKSPACE": str(cwd or os.getcwd()),
                "RUNNER_TEMP": str(temp),
                "RUNNER_OS": "Linux",
                "GITHUB_STEP_SUMMARY": str(summary),
                "GITHUB_OUTPUT": str(output),
                "GITHUB_ENV": str(github_env),
            }
            step_env.update({k: ctx.substitute(v) for k, v in (step.get("env") or {}).items()})
            workdir = Path(cwd or os.getcwd()) / ctx.substitute(step.get("working-directory", "."))
            child = subprocess.run(
                [*shell, str(script)],
                cwd=workdir,
                env=step_env,
                capture_output=True,
                text=True,
                timeout=timeout,
            )
            out.append(child.stdout)
            err.append(child.stderr)
            ctx.steps[step_id] = _read_file_commands(output)
            run.ran.append(step_id)
            if child.returncode != 0:
                run.exit_code = child.returncode
                break
        run.stdout, run.stderr = "".join(out), "".join(err)
        run.summary = summary.read_text(encoding="utf-8") if summary.exists() else ""
        run.outputs = {n: ctx.substitute(o.get("value", "")) for n, o in (spec.get("outputs") or {}).items()}
    return run


def _pairs(items: list[str], what: str) -> dict[str, str]:
    pairs = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"run_action: {what} must be NAME=VALUE, not {item!r}")
        pairs[key] = value
    return pairs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--action", type=Path, default=ROOT / "action.yml")
    parser.add_argument("--input", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--skip", action="append", default=[], metavar="STEP_ID")
    parser.add_argument("--link", action="append", default=[], metavar="NAME=PATH")
    ns = parser.parse_args(argv)
    links = {k: Path(v).resolve() for k, v in _pairs(ns.link, "--link").items()}
    run = run_action(_pairs(ns.input, "--input"), action=ns.action.resolve(), skip=ns.skip, links=links)
    sys.stdout.write(run.stdout)
    sys.stderr.write(run.stderr)
    columns = shutil.get_terminal_size().columns
    print("-" * min(columns, 60), file=sys.stderr)
    print(f"ran: {', '.join(run.ran) or '-'}; skipped: {', '.join(run.skipped) or '-'}", file=sys.stderr)
    print(f"outputs: {run.outputs}", file=sys.stderr)
    print(f"step summary: {len(run.summary)} characters", file=sys.stderr)
    return run.exit_code


if __name__ == "__main__":
    sys.exit(main())
