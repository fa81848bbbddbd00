"""``msoko demo``: a deterministic, realistic synthetic municipality with planted cases.

Every figure here is computed independently of the generator: facts are read back from the
Parquet store with DuckDB, marks are checked with ``MarkScale.mark_for``, the planted cases
with plain aggregates.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest
from django.core.management import call_command

from msoko.facts.schema import TABLES

pytestmark = pytest.mark.django_db(transaction=True)

FACTS = tuple(TABLES)


@pytest.fixture
def demo_settings(settings: Any, tmp_path: Path) -> Any:
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    # One hash for six users; a fast hasher keeps the test quick.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return settings


def run_demo(*args: str) -> None:
    call_command("demo", "--no-serve", *args, stdout=io.StringIO())


def duck() -> duckdb.DuckDBPyConnection:
    """DuckDB with the active fact files as views and the organisations' codes."""
    from msoko.facts.store import active_paths
    from msoko.registry.models import Organisation

    con = duckdb.connect()
    for table in FACTS:
        paths = active_paths(table)
        if paths:
            con.read_parquet(paths, union_by_name=True).create_view(table)
        else:
            con.from_arrow(TABLES[table].empty_table()).create_view(table)
    ids, codes = zip(*Organisation.objects.values_list("pk", "code"), strict=True)
    con.from_arrow(pa.table({"id": pa.array(ids, pa.int64()), "code": codes})).create("orgs")
    return con


def facts_digest(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, str]]:
    """Row count and an ordered content hash of every fact table (batch ids left out,
    organisation ids replaced by codes, as ids differ between runs)."""
    out: dict[str, tuple[int, str]] = {}
    for table, schema in TABLES.items():
        cols = [f.name for f in schema if f.name not in ("batch_id", "org_id")]
        row = " || '|' || ".join(f"coalesce(cast(t.{c} as varchar), '∅')" for c in cols)
        sql = f"""select count(*), md5(coalesce(string_agg(r, chr(10) order by r), ''))
                  from (select o.code || '|' || {row} as r from {table} t join orgs o on o.id = t.org_id)"""  # noqa: S608 - column names of the schema
        n, digest = con.execute(sql).fetchone()
        out[table] = (n, digest)
    return out


def registry_digest() -> str:
    """A hash of the demo's registry rows by natural keys."""
    from msoko.access.models import User
    from msoko.registry import models as m

    def staff_key(s: Any) -> tuple[Any, ...]:
        return (s.organisation.code, s.full_name, s.birth_year, s.position)

    parts: list[Any] = []
    parts.append(
        sorted(
            m.Territory.objects.filter(code__startswith="DEMO").values_list(
                "code", "name", "kind", "parent__code"
            )
        )
    )
    parts.append(
        sorted(
            m.Organisation.objects.filter(code__startswith="DEMO").values_list(
                "code",
                "short_name",
                "full_name",
                "ogrn",
                "inn",
                "kind",
                "school_level",
                "locality",
                "is_small",
                "advanced_profile",
                "address",
                "website",
                "territory__code",
            )
        )
    )
    parts.append(
        sorted(m.OrganisationNameVariant.objects.values_list("organisation__code", "name"))
    )
    parts.append(
        sorted(
            (
                p.organisation.code,
                p.year.start_year,
                p.students_total,
                str(p.low_income_share),
                str(p.single_parent_share),
                str(p.disability_share),
                str(p.non_native_share),
                str(p.preventive_registration_share),
                str(p.parents_higher_education_share),
                str(p.distance_to_centre_km),
            )
            for p in m.SocialPassport.objects.select_related("organisation", "year")
        )
    )
    parts.append(
        sorted(
            m.SchoolClass.objects.values_list(
                "organisation__code", "year__start_year", "grade", "letter", "profile"
            )
        )
    )
    parts.append(
        sorted(
            m.Student.objects.values_list(
                "pseudonym",
                "organisation__code",
                "school_class__year__start_year",
                "school_class__grade",
                "school_class__letter",
                "has_disability",
            )
        )
    )
    staff = list(m.StaffMember.objects.select_related("organisation").prefetch_related("subjects"))
    parts.append(
        sorted(
            (
                *staff_key(s),
                s.category,
                s.experience_years,
                s.is_young_specialist,
                tuple(sorted(x.code for x in s.subjects.all())),
            )
            for s in staff
        )
    )
    parts.append(
        sorted(
            (
                *staff_key(c.staff),
                c.title,
                c.provider,
                c.hours,
                str(c.completed_on),
                c.from_federal_register,
            )
            for c in m.Course.objects.select_related("staff__organisation")
        )
    )
    parts.append(
        sorted(
            (*staff_key(d.staff), d.year.start_year, d.area, str(d.score_percent), d.deficits)
            for d in m.DeficitDiagnostic.objects.select_related("staff__organisation", "year")
        )
    )
    parts.append(
        sorted(
            (*staff_key(r.staff), r.year.start_year, r.goal, r.status)
            for r in m.IndividualRoute.objects.select_related("staff__organisation", "year")
        )
    )
    parts.append(
        sorted(
            (staff_key(x.mentor), staff_key(x.mentee), x.year.start_year, x.form)
            for x in m.Mentoring.objects.select_related(
                "mentor__organisation", "mentee__organisation", "year"
            )
        )
    )
    parts.append(
        sorted(
            (*staff_key(c.staff), c.year.start_year, c.name, c.level, c.result)
            for c in m.CompetitionEntry.objects.select_related("staff__organisation", "year")
        )
    )
    parts.append(
        sorted(
            (
                a.level,
                a.name,
                a.territory.code if a.territory else "",
                a.organisation.code if a.organisation else "",
                staff_key(a.leader) if a.leader else (),
                tuple(sorted(staff_key(s) for s in a.members.all())),
                tuple(sorted(s.code for s in a.subjects.all())),
            )
            for a in m.MethodAssociation.objects.select_related(
                "territory", "organisation", "leader__organisation"
            ).prefetch_related("members__organisation", "subjects")
        )
    )
    parts.append(
        sorted(
            User.objects.values_list(
                "username",
                "role",
                "first_name",
                "last_name",
                "territory__code",
                "organisation__code",
                "is_staff",
                "is_superuser",
            )
        )
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def test_demo_is_deterministic_and_a_rerun_replaces_the_previous_demo(demo_settings: Any) -> None:
    from msoko.access.models import AuditLog
    from msoko.facts.models import FactFile, ImportBatch
    from msoko.registry.models import Organisation, Student

    run_demo("--seed", "1")
    first = (registry_digest(), facts_digest(duck()))
    counts = (
        Organisation.objects.count(),
        Student.objects.count(),
        ImportBatch.objects.count(),
        FactFile.objects.count(),
    )
    truth = json.loads((demo_settings.DATA_DIR / "demo_ground_truth.json").read_text("utf-8"))

    run_demo("--seed", "1")
    second = (registry_digest(), facts_digest(duck()))
    assert second == first
    # nothing accumulated: the same rows, and on disk only the files of the active batches
    assert (
        Organisation.objects.count(),
        Student.objects.count(),
        ImportBatch.objects.count(),
        FactFile.objects.count(),
    ) == counts
    on_disk = sorted(
        str(p.relative_to(demo_settings.FACT_STORE_DIR))
        for p in demo_settings.FACT_STORE_DIR.rglob("*.parquet*")
    )
    assert on_disk == sorted(FactFile.objects.values_list("path", flat=True))
    assert (
        json.loads((demo_settings.DATA_DIR / "demo_ground_truth.json").read_text("utf-8")) == truth
    )

    run_demo("--seed", "2")
    third = (registry_digest(), facts_digest(duck()))
    assert third[0] != first[0]
    assert all(
        third[1][t][1] != first[1][t][1]
        for t in ("student_results", "task_scores", "olympiad_results")
    )

    # one BULK audit row per run and no per-row audit of the generated rows
    assert AuditLog.objects.filter(action="bulk", model="demo").count() == 3
    assert AuditLog.objects.exclude(model="demo").count() == 0
    # how fast it builds is measured by benchmarks/demo_generate.py, not asserted here


def test_demo_municipality_is_realistic_and_plants_known_cases(
    demo_settings: Any, client: Any
) -> None:
    """One build (the default seed), checked from every side."""
    run_demo()
    demo = json.loads((demo_settings.DATA_DIR / "demo_ground_truth.json").read_text("utf-8"))
    con = duck()
    check_registry_ground_truth_and_logins(demo, client)
    check_distributions(con)
    check_planted_cases(con, demo)


def check_registry_ground_truth_and_logins(demo: dict[str, Any], client: Any) -> None:
    from msoko.access.models import Role, User
    from msoko.registry.models import AcademicYear, Organisation, Territory

    assert demo["seed"] == 1 and demo["size"] == "municipality"
    assert demo["municipality"] == "DEMO-M1" and demo["years"] == [2023, 2024, 2025]
    schools = set(
        Organisation.objects.filter(kind="school", territory__code="DEMO-M1").values_list(
            "code", flat=True
        )
    )
    assert set(demo["schools"]) == schools and 20 <= len(schools) <= 35
    cases = {p["case"]: p for p in demo["planted"]}
    assert set(cases) == {"low_results", "resilient", "non_objective"}
    assert len({p["org_code"] for p in demo["planted"]}) == 3
    assert all(p["org_code"] in schools for p in demo["planted"])
    assert cases["non_objective"]["procedure"] == "VPR" and cases["non_objective"]["year"] in (
        2024,
        2025,
    )
    assert set(cases["non_objective"]["signals"]) == {"journal_mismatch", "cutpoint_pileup"}
    assert len(cases["low_results"]["years"]) >= 2

    region = Territory.objects.get(code="DEMO")
    assert region.name == "Демонстрационная область"
    assert Territory.objects.get(code="DEMO-M1").parent == region
    assert Organisation.objects.filter(territory__code="DEMO-M1", kind="preschool").count() >= 2
    assert Organisation.objects.filter(territory__code="DEMO-M1", kind="additional").count() >= 1
    assert Organisation.objects.filter(territory__code="DEMO-M1", locality="rural").exists()
    assert Organisation.objects.filter(territory__code="DEMO-M1", is_small=True).exists()
    for org in Organisation.objects.filter(code__startswith="DEMO-"):
        org.full_clean()  # ОГРН and ИНН well-formed
    years = list(
        AcademicYear.objects.order_by("start_year").values_list("start_year", "is_current")
    )
    assert years == [(2023, False), (2024, False), (2025, True)]

    expected = {
        "analyst": (Role.REGIONAL_ANALYST, "DEMO", None),
        "specialist": (Role.MUNICIPAL_SPECIALIST, "DEMO-M1", None),
        "school1": (Role.SCHOOL_ADMIN, None, "DEMO-001"),
        "school2": (Role.SCHOOL_ADMIN, None, "DEMO-002"),
        "viewer": (Role.VIEWER, "DEMO-M1", None),
    }
    for username, (role, territory, organisation) in expected.items():
        user = User.objects.get(username=username)
        assert (
            user.role,
            getattr(user.territory, "code", None),
            getattr(user.organisation, "code", None),
        ) == (role, territory, organisation)
        assert user.first_name and user.last_name
        user.full_clean()
        assert client.login(username=username, password="msoko-demo")
    from msoko.access import policy

    specialist = User.objects.get(username="specialist")
    assert policy.can_administer(specialist) and not specialist.is_staff
    assert User.objects.get(username="admin").is_superuser


def check_distributions(con: duckdb.DuckDBPyConnection) -> None:
    one = lambda sql: con.execute(sql).fetchone()  # noqa: E731

    # ОГЭ: everyone sits Russian and maths plus two electives
    share2_math, share2_ru = one(
        "select avg((mark = 2 and subject = 'math')::int) / avg((subject = 'math')::int),"
        " avg((mark = 2 and subject = 'ru')::int) / avg((subject = 'ru')::int)"
        " from student_results where procedure = 'OGE'"
    )
    assert 0.03 <= share2_math <= 0.25
    assert 0.01 <= share2_ru <= 0.15
    per_student = one(
        "select min(n), max(n) from (select student, count(*) n from student_results"
        " where procedure = 'OGE' group by student, year)"
    )
    assert per_student == (4, 4)

    # ЕГЭ: realistic means, a share below the minimum threshold
    means = dict(
        con.execute(
            "select subject, avg(test_score) from student_results where procedure = 'EGE' group by 1"
        ).fetchall()
    )
    assert 60 <= means["ru"] <= 78
    assert 45 <= means["math_profile"] <= 65
    for subject in ("soc", "phys", "chem", "bio", "hist", "inf", "eng"):
        assert 40 <= means[subject] <= 75, subject
    assert (
        one("select min(test_score), max(test_score) from student_results where procedure = 'EGE'")[
            0
        ]
        >= 0
    )
    assert one("select max(test_score) from student_results where procedure = 'EGE'")[0] <= 100
    below = one(
        "select avg((test_score < 27)::int) from student_results where procedure = 'EGE' and subject = 'math_profile'"
    )[0]
    assert 0.01 <= below <= 0.2
    assert (
        one(
            "select count(*) from student_results where procedure = 'EGE' and subject = 'math_base' and (mark is null or test_score is not null)"
        )[0]
        == 0
    )

    # every mark agrees with the year's scale
    from msoko.facts.models import MarkScale

    scales = {
        (s.procedure.code, s.subject.code, s.grade, s.year.start_year): s
        for s in MarkScale.objects.select_related("procedure", "subject", "year")
    }
    combos = con.execute(
        "select distinct procedure, subject, grade, year, primary_score, mark from student_results where mark is not null"
    ).fetchall()
    assert combos
    for procedure, subject, grade, year, primary, mark in combos:
        scale = scales[(procedure, subject, grade, year)]
        assert 0 <= primary <= scale.max_primary
        assert scale.mark_for(primary) == mark, (procedure, subject, grade, year, primary, mark)

    # ВПР: grades 4–8, Russian and maths every year, the primary score is the sum of the tasks
    grades = con.execute(
        "select distinct grade from student_results where procedure = 'VPR' order by 1"
    ).fetchall()
    assert [g for (g,) in grades] == [4, 5, 6, 7, 8]
    assert (
        one(
            "select count(distinct year) from student_results where procedure = 'VPR' and subject in ('ru', 'math') and grade = 6"
        )[0]
        == 3
    )
    mismatched = one(
        """select count(*) from student_results r
           full join (select org_id, year, subject, grade, student, sum(score) s, count(*) n
                      from task_scores group by all) t
           using (org_id, year, subject, grade, student)
           where r.procedure = 'VPR' and (t.s is null or r.primary_score is null or t.s <> r.primary_score)
              or r.procedure is null"""
    )[0]
    assert mismatched == 0
    assert (
        one(
            "select count(*) from student_results where procedure = 'VPR' and journal_mark is null"
        )[0]
        == 0
    )

    from msoko.facts.models import TaskSpec

    spec = {
        (
            t.assessment.subject.code,
            t.assessment.grade,
            t.assessment.year.start_year,
            t.number,
        ): t.max_score
        for t in TaskSpec.objects.select_related("assessment__subject", "assessment__year")
    }
    for subject, grade, year, task, top in con.execute(
        "select subject, grade, year, task, max(score) from task_scores group by all"
    ).fetchall():
        assert top <= spec[(subject, grade, year, task)]
    for (subject, grade, year), total in _sum_by_work(spec).items():
        assert total == scales[("VPR", subject, grade, year)].max_primary

    # the typical, smooth shape: marks «2» are a minority, no spike at the cut point
    share2 = one(
        "select avg((mark = 2)::int) from student_results where procedure = 'VPR' and subject = 'ru' and grade = 5"
    )[0]
    assert 0.05 <= share2 <= 0.35

    # other procedures
    levels = {
        lvl
        for (lvl,) in con.execute(
            "select distinct level from student_results where procedure = 'KDR'"
        ).fetchall()
    }
    assert levels == {"low", "basic", "advanced", "high"}
    for procedure, lo in (("ESSAY", 0.85), ("INTERVIEW", 0.85), ("SPT", 0.7)):
        share = con.execute(
            "select avg(passed::int) from student_results where procedure = ?", [procedure]
        ).fetchone()[0]
        assert lo <= share < 1.0, procedure
    stages = dict(con.execute("select stage, count(*) from olympiad_results group by 1").fetchall())
    assert stages["school"] > stages["municipal"] > stages["regional"] > 0
    assert (
        one(
            "select count(*) from olympiad_results where score > max_score or status not in ('participant', 'prize', 'winner')"
        )[0]
        == 0
    )

    # cohorts can be followed: grade 5 of 2023 is grade 6 of 2024, the same pseudonyms
    followed = one(
        """select count(*) from (select distinct student from student_results where procedure = 'VPR' and year = 2023 and grade = 5) a
           join (select distinct student, grade from student_results where procedure = 'VPR' and year = 2024) b using (student)"""
    )[0]
    wrong = one(
        """select count(*) from (select distinct student from student_results where procedure = 'VPR' and year = 2023 and grade = 5) a
           join (select distinct student, grade from student_results where procedure = 'VPR' and year = 2024) b using (student)
           where b.grade <> 6"""
    )[0]
    assert followed > 500 and wrong == 0
    # every student of the facts is in the registry, at the school the facts name
    from msoko.registry.models import Student

    known = dict(Student.objects.values_list("pseudonym", "organisation_id"))
    pairs = con.execute(
        "select distinct student, org_id from student_results where year = 2025"
    ).fetchall()
    assert all(known.get(s) == o for s, o in pairs)


def _sum_by_work(spec: dict[tuple[str, int, int, str], int]) -> dict[tuple[str, int, int], int]:
    out: dict[tuple[str, int, int], int] = {}
    for (subject, grade, year, _task), top in spec.items():
        out[(subject, grade, year)] = out.get((subject, grade, year), 0) + top
    return out


def _school_stats(
    con: duckdb.DuckDBPyConnection, procedure: str, year: int, subjects: tuple[str, ...] = ()
) -> dict[str, tuple[float, float, int]]:
    """Per school: mean mark, mean (mark − journal mark), rows."""
    rows = con.execute(
        """select o.code, avg(mark), avg(mark - journal_mark), count(*)
           from student_results r join orgs o on o.id = r.org_id
           where procedure = ? and r.year = ? and (len(?::varchar[]) = 0 or list_contains(?::varchar[], subject))
           group by 1""",
        [procedure, year, list(subjects), list(subjects)],
    ).fetchall()
    return {code: (mean, diff, n) for code, mean, diff, n in rows}


def check_planted_cases(con: duckdb.DuckDBPyConnection, demo: dict[str, Any]) -> None:
    from msoko.registry.models import SocialPassport

    cases = {p["case"]: p for p in demo["planted"]}

    # non-objective ВПР: marks far above the journal marks, and a pile-up at the cut point
    non = cases["non_objective"]
    stats = _school_stats(con, "VPR", non["year"])
    mine = stats.pop(non["org_code"])
    others = [diff for _mean, diff, n in stats.values() if n >= 100]
    assert mine[1] > 0.1 and mine[1] > max(others) + 0.3
    _cuts_table(con)
    pile = con.execute(
        """select o.code = ? as planted,
                  sum((primary_score - c3 between -2 and -1)::int), sum((primary_score - c3 between 0 and 1)::int)
           from student_results r join orgs o on o.id = r.org_id
           join cuts c using (subject, grade, year)
           where procedure = 'VPR' and r.year = ? group by 1""",
        [non["org_code"], non["year"]],
    ).fetchall()
    ratio = {planted: (at + 1) / (below + 1) for planted, below, at in pile}
    assert ratio[True] > 4 and ratio[False] < 2.5

    # low results: the lowest mean ВПР and ОГЭ marks of the schools in each planted year
    low = cases["low_results"]
    for year in low["years"]:
        for procedure in ("VPR", "OGE"):
            stats = _school_stats(con, procedure, year, ("ru", "math"))
            sizable = {code: mean for code, (mean, _d, n) in stats.items() if n >= 20}
            ranked = sorted(sizable, key=sizable.get)  # type: ignore[arg-type]
            decile = math.ceil(len(ranked) / 10)
            assert low["org_code"] in ranked[:decile], (procedure, year, ranked[:3])

    # resilient: the hardest social conditions and results in the top quarter
    res = cases["resilient"]
    for year in demo["years"]:
        passports = {
            p.organisation.code: p
            for p in SocialPassport.objects.filter(year__start_year=year).select_related(
                "organisation"
            )
        }
        low_income = sorted(passports, key=lambda c: passports[c].low_income_share, reverse=True)
        assert low_income[0] == res["org_code"]
        stats = _school_stats(con, "VPR", year)
        sizable = {code: mean for code, (mean, _d, n) in stats.items() if n >= 100}
        ranked = sorted(sizable, key=sizable.get, reverse=True)  # type: ignore[arg-type]
        assert res["org_code"] in ranked[: math.ceil(len(ranked) / 4)]


def _cuts_table(con: duckdb.DuckDBPyConnection) -> None:
    """The cut point of «3» of every ВПР work, as table ``cuts``."""
    from msoko.facts.models import MarkScale

    rows = [
        (s.subject.code, s.grade, s.year.start_year, int(s.mark_cuts["3"]))
        for s in MarkScale.objects.filter(procedure__code="VPR").select_related("subject", "year")
    ]
    subject, grade, year, c3 = (list(c) for c in zip(*rows, strict=True))
    con.from_arrow(pa.table({"subject": subject, "grade": grade, "year": year, "c3": c3})).create(
        "cuts"
    )
