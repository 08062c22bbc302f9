"""The first signal ends pgc; the ones that follow it at once do not interrupt its cleanup.

pgc's signal handlers raise an exception (KeyboardInterrupt for SIGINT, `Terminated` for SIGTERM
and SIGHUP) so that `finally` blocks remove what pgc made: the temporary copy of `.env` holding
the password, the exec passfile's directory, a child asked for its version. Signals often come
in bursts: a closing terminal sends SIGHUP and then SIGTERM, a supervisor repeats SIGTERM, a
person presses Ctrl-C twice. Python runs each pending handler at the next bytecode, which may be
inside the cleanup the first exception started: a second exception there skips the rest of it.

So a handler asks `unwinding()` first: for GRACE_S after one signal was raised, a further one is
dropped (pgc is ending anyway, with the first signal's exit code). After that, a signal ends pgc
again, so that nothing that swallowed the first exception can make pgc unstoppable.
"""

from __future__ import annotations

import time

TYPE_CHECKING = False  # typing's constant without importing typing (start-up: edge imports this)
if TYPE_CHECKING:
    import threading

GRACE_S = 2.0

_raised: list[float] = []  # when the signal being unwound was raised (time.monotonic())


def start_run() -> None:
    """A new run (`cli.run`): no signal is being unwound."""
    _raised.clear()


def unwinding() -> bool:
    """Whether a signal raised less than GRACE_S ago is being unwound (the caller, a handler,
    then returns without raising); otherwise records that one is raised now and returns False."""
    now = time.monotonic()
    if _raised and now - _raised[0] < GRACE_S:
        return True
    _raised[:] = [now]
    return False


# The main thread waits on threads and events in slices this long: a signal the kernel delivered
# to another thread (it picks any thread that does not block it; a burst often lands on a probe
# thread) only trips a flag, and Python runs the handler when the main thread next runs bytecode,
# which a lock wait of the whole --timeout would put off to its end.
SLICE_S = 0.1


def wait(event: threading.Event, timeout: float) -> bool:
    """`event.wait(timeout)` in slices, so that signal handlers run within SLICE_S."""
    end = time.monotonic() + max(timeout, 0.0)
    while not event.is_set():
        left = end - time.monotonic()
        if left <= 0:
            return False
        event.wait(min(left, SLICE_S))
    return True


def join(thread: threading.Thread, timeout: float) -> None:
    """`thread.join(timeout)` in slices, so that signal handlers run within SLICE_S."""
    end = time.monotonic() + max(timeout, 0.0)
    while thread.is_alive():
        left = end - time.monotonic()
        if left <= 0:
            return
        thread.join(min(left, SLICE_S))
