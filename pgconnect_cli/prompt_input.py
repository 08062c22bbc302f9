"""Reading an answer at a prompt so that Ctrl-C always interrupts it.

`input()` and `getpass()` leave a window: a SIGINT that arrives after the prompt is written but
before the blocking read starts is noted by the interpreter, and its handler then waits for the
next Python instruction, which comes only once the person types a line. pgc's prompts are one
keystroke away from Ctrl-C, so pgc hung there now and then (`url build`, `env init`).

`read_line` waits with `select` on the terminal and on the signal module's wakeup pipe: a signal,
early or late, ends the wait at once and its handler runs before the next read. The typer prompts
(`typer.prompt`, `typer.confirm`) read through it once `install()` has run.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import sys


def _read(fd: int, *, hide: bool) -> str:
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    try:
        previous = signal.set_wakeup_fd(wake_w, warn_on_full_buffer=False)
    except ValueError:  # not the main thread: no handler runs here anyway
        os.close(wake_r)
        os.close(wake_w)
        if hide:
            import getpass

            return getpass.getpass("")
        return input()
    attrs = None
    if hide and os.isatty(fd):
        import termios

        attrs = termios.tcgetattr(fd)
        quiet = termios.tcgetattr(fd)
        quiet[3] &= ~termios.ECHO
        termios.tcsetattr(fd, termios.TCSADRAIN, quiet)
    try:
        data = b""
        while b"\n" not in data:
            ready, _, _ = select.select([fd, wake_r], [], [])
            if wake_r in ready:
                with contextlib.suppress(BlockingIOError):
                    os.read(wake_r, 512)
                continue  # a signal came: its handler runs here, before the next read
            chunk = os.read(fd, 4096)
            if not chunk:
                if data:
                    break
                raise EOFError
            data += chunk
    finally:
        signal.set_wakeup_fd(previous)
        os.close(wake_r)
        os.close(wake_w)
        if attrs is not None:
            import termios

            termios.tcsetattr(fd, termios.TCSADRAIN, attrs)
            sys.stderr.write("\n")  # the Enter the person typed was not echoed
    encoding = getattr(sys.stdin, "encoding", None) or "utf-8"
    return data.split(b"\n", 1)[0].decode(encoding, "replace").rstrip("\r")


def read_line(prompt: str = "") -> str:
    """`input(prompt)`, interruptible at any moment."""
    sys.stdout.write(prompt)
    sys.stdout.flush()
    return _read(sys.stdin.fileno(), hide=False)


def read_secret(prompt: str = "") -> str:
    """`getpass(prompt)` on stdin, without echo, interruptible at any moment."""
    sys.stderr.write(prompt)
    sys.stderr.flush()
    return _read(sys.stdin.fileno(), hide=True)


def install() -> None:
    """typer's prompts read through `read_line` / `read_secret`."""
    from typer._click import termui

    termui.visible_prompt_func = read_line
    termui.hidden_prompt_func = read_secret
