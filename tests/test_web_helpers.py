"""Hand-made facts for the web and summary tests, and a check that they are stored.

Every figure a test expects is worked out by hand from the rows below (see the comments).
School A's and school B's figures differ everywhere, so a leak would show.

School A (2024/2025):
* ОГЭ русский язык: marks 5, 4, 4, 2 — 4 sat, one «2» (25 %), mean 3.75;
* ОГЭ математика: marks 5, 5, 3, 3 — no «2», mean 4.0;
* ЕГЭ русский язык: 91, 78 — mean 84.5, none below 24;
* ЕГЭ профильная математика: 82, 20 — mean 51, one below 27;
* ВПР математика 5 класс: marks 5, 4, 4, 3 against journal 5, 5, 4, 3 — 1 lowered, 3 confirmed.
And 2023/2024: ОГЭ русский язык 3, 3.

School B (2024/2025):
* ОГЭ русский язык: 3, 3, 2, 2, 2 — 60 % «2», mean 2.4;
* ОГЭ математика: 2, 3, 3, 3, 4 — 20 % «2», mean 3.0;
* ЕГЭ русский язык: 40, 20, 63 — mean 41, one below 24;
* ЕГЭ профильная математика: 15 — below 27;
* ВПР математика 5 класс: 2, 2, 3, 3, 4, 5 against journal 3, 3, 3, 4, 4, 4 — 3 lowered,
  2 confirmed, 1 raised.

The far school (another municipality): ОГЭ русский язык 5, 5; ЕГЭ русский язык 100.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from msoko.facts.store import open_batch

STUDENT_RESULTS_SCHEMA = pa.schema(
    [
        ("org_id", pa.int64()),
        ("year", pa.int16()),
        ("procedure", pa.string()),
        ("subject", pa.string()),
        ("grade", pa.int8()),
        ("student", pa.string()),
        ("mark", pa.int8()),
        ("journal_mark", pa.int8()),
        ("test_score", pa.float64()),
    ]
)


def result_rows(world: Any) -> list[dict[str, Any]]:
    a, b, far = world.school_a.pk, world.school_b.pk, world.school_far.pk
    rows: list[dict[str, Any]] = []

    def add(
        org: int, year: int, proc: str, subject: str, grade: int, prefix: str, **cols: list[Any]
    ) -> None:
        n = len(next(iter(cols.values())))
        for i in range(n):
            row = {
                "org_id": org,
                "year": year,
                "procedure": proc,
                "subject": subject,
                "grade": grade,
                "student": f"{prefix}{i + 1}",
                "mark": None,
                "journal_mark": None,
                "test_score": None,
            }
            row.update({k: v[i] for k, v in cols.items()})
            rows.append(row)

    add(a, 2024, "OGE", "ru", 9, "a-oge-", mark=[5, 4, 4, 2])
    add(a, 2024, "OGE", "math", 9, "a-oge-", mark=[5, 5, 3, 3])
    add(a, 2024, "EGE", "ru", 11, "a-ege-", test_score=[91.0, 78.0])
    add(a, 2024, "EGE", "math_profile", 11, "a-ege-", test_score=[82.0, 20.0])
    add(a, 2024, "VPR", "math", 5, "a-vpr-", mark=[5, 4, 4, 3], journal_mark=[5, 5, 4, 3])
    add(a, 2023, "OGE", "ru", 9, "a-old-", mark=[3, 3])

    add(b, 2024, "OGE", "ru", 9, "b-oge-", mark=[3, 3, 2, 2, 2])
    add(b, 2024, "OGE", "math", 9, "b-oge-", mark=[2, 3, 3, 3, 4])
    add(b, 2024, "EGE", "ru", 11, "b-ege-", test_score=[40.0, 20.0, 63.0])
    add(b, 2024, "EGE", "math_profile", 11, "b-ege-", test_score=[15.0])
    add(
        b,
        2024,
        "VPR",
        "math",
        5,
        "b-vpr-",
        mark=[2, 2, 3, 3, 4, 5],
        journal_mark=[3, 3, 3, 4, 4, 4],
    )

    add(far, 2024, "OGE", "ru", 9, "f-oge-", mark=[5, 5])
    add(far, 2024, "EGE", "ru", 11, "f-ege-", test_score=[100.0])
    return rows


def seed_results(world: Any) -> None:
    """Write the rows above to the fact store as one import batch."""
    table = pa.Table.from_pylist(result_rows(world), schema=STUDENT_RESULTS_SCHEMA)
    with open_batch(kind="student_results", source="tests") as batch:
        batch.write("student_results", table)


def test_seeded_results_are_in_the_store(world: Any) -> None:
    from msoko.facts.store import DANGEROUS_scan_all

    seed_results(world)
    assert DANGEROUS_scan_all("student_results").count().execute() == len(result_rows(world))
