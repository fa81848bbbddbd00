"""No test asserts how fast something runs (issue 13, item 11): under load a machine is
slower and such a test fails for nothing. Speed is measured in benchmarks/ (a table and a
last-line JSON), never asserted. A guard: no test reads a clock to measure. A clock used
only as a deadline for waiting (poll until a process stops, give up after a bound) is
allowed when its line says so with the comment ``# deadline``; a clock read for a point
in time, not a duration (a file's age set back by a day), says ``# a date, not a duration``."""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent
CLOCKS = re.compile(r"perf_counter|process_time|\bmonotonic\b|\btime\.time\(|\btimeit\b|\.total_seconds\(\)")

MARKS = ("# deadline", "# a date, not a duration")


def test_no_test_measures_time() -> None:
    offenders = []
    for path in sorted(TESTS.rglob("*.py")):
        if path.name == Path(__file__).name:
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if CLOCKS.search(line) and not any(mark in line for mark in MARKS):
                offenders.append(f"{path.name}:{n}: {line.strip()}")
    assert offenders == []


def test_the_demo_build_time_is_a_benchmark() -> None:
    demo = (TESTS / "test_demo.py").read_text(encoding="utf-8")
    assert not re.search(r"assert[^\n]*(seconds|elapsed|< ?30\b)", demo)
    assert (TESTS.parent / "benchmarks" / "demo_generate.py").is_file()
