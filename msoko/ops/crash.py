"""Test-only crash points: ``MSOKO_CRASH_AT=<name>`` makes the process kill itself with
SIGKILL when it reaches the point of that name (tests/test_crash_safety.py). Nothing happens
when the variable is not set — the cost is one dictionary lookup."""

from __future__ import annotations

import os
import signal


def crash_point(name: str) -> None:
    if os.environ.get("MSOKO_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
