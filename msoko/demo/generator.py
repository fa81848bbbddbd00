"""Build the demo: registry, facts, users and the ground truth of the planted cases.

``build_demo(seed, size)`` is what ``msoko demo`` runs. It removes the previous demo first,
so running it twice with the same seed gives the same data.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction

from msoko.access import audit
from msoko.access.models import Role, User
from msoko.demo.facts import PROCEDURES, Specs, YearView, prepare_specs
from msoko.demo.registry import (
    Registry,
    cleanup_demo,
    ensure_extra_scales,
    ensure_years,
    write_registry,
)
from msoko.demo.world import LOW_RESULTS, NON_OBJECTIVE, RESILIENT, YEARS, RegionPlan, plan_region
from msoko.facts.models import Procedure
from msoko.facts.reference import ensure_reference_data
from msoko.facts.schema import TABLES
from msoko.facts.store import open_batch

DEMO_PASSWORD = "msoko-demo"  # noqa: S105 - the published password of the demo logins
GROUND_TRUTH_FILE = "demo_ground_truth.json"
# Rows buffered before a Parquet file is written (memory stays bounded at region size).
CHUNK_ROWS = 2_000_000


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    first_name: str
    last_name: str
    position: str
    sees: str
    territory: str = ""  # territory code
    organisation: str = ""  # organisation code
    is_staff: bool = False
    is_superuser: bool = False


DEMO_USERS = [
    DemoUser(
        "analyst",
        Role.REGIONAL_ANALYST,
        "Ирина",
        "Соколова",
        "ведущий аналитик регионального центра оценки качества образования",
        "всю Демонстрационную область: все муниципалитеты и их ОО",
        territory="DEMO",
    ),
    DemoUser(
        "specialist",
        Role.MUNICIPAL_SPECIALIST,
        "Татьяна",
        "Кузнецова",
        "главный специалист отдела образования",
        "Демонстрационный муниципальный район: все его ОО; администрирование района "
        "(организации, пользователи, учётные записи школ)",
        territory="DEMO-M1",
    ),
    DemoUser(
        "school1",
        Role.SCHOOL_ADMIN,
        "Елена",
        "Петрова",
        "заместитель директора по учебно-воспитательной работе",
        "только свою школу {DEMO-001}",
        organisation="DEMO-001",
    ),
    DemoUser(
        "school2",
        Role.SCHOOL_ADMIN,
        "Сергей",
        "Волков",
        "директор",
        "только свою школу {DEMO-002}",
        organisation="DEMO-002",
    ),
    DemoUser(
        "viewer",
        Role.VIEWER,
        "Ольга",
        "Морозова",
        "методист",
        "Демонстрационный муниципальный район, только просмотр",
        territory="DEMO-M1",
    ),
    DemoUser(
        "admin",
        "",
        "Андрей",
        "Смирнов",
        "технический администратор",
        "всё, включая администрирование (/admin/)",
        is_staff=True,
        is_superuser=True,
    ),
]
ROLE_LABELS = {**{r.value: r.label for r in Role}, "": "Суперпользователь"}


@dataclass
class DemoResult:
    seed: int
    size: str
    counts: dict[str, int] = field(default_factory=dict)
    fact_rows: dict[str, int] = field(default_factory=dict)
    removed: dict[str, int] = field(default_factory=dict)
    ground_truth: Path | None = None
    ground_truth_data: dict[str, Any] = field(default_factory=dict)
    users: list[tuple[DemoUser, str]] = field(default_factory=list)  # with "sees" resolved
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)


Progress = Callable[[str], None]


def build_demo(
    seed: int = 1, size: str = "municipality", progress: Progress | None = None
) -> DemoResult:
    """Remove the previous demo and build a new one. Returns what was built."""
    say = progress or (lambda _msg: None)
    result = DemoResult(seed, size)
    started = time.perf_counter()
    mark = started

    def lap(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        result.timings[name] = round(now - mark, 2)
        mark = now

    with audit.acting_as(None, label="demo"), audit.DANGEROUS_unaudited():
        years = ensure_years()
        ensure_reference_data(list(years.values()))
        ensure_extra_scales(years.values())
        say("Удаляю прежние демонстрационные данные…")
        result.removed = cleanup_demo([u.username for u in DEMO_USERS])
        lap("cleanup")
        say("Планирую территорию, организации и обучающихся…")
        plan = plan_region(seed, size)
        lap("plan")
        say("Записываю реестр (организации, классы, обучающиеся, педагоги)…")
        with transaction.atomic():
            reg = write_registry(plan, years)
        result.counts = dict(reg.counts)
        lap("registry")
        specs = prepare_specs(years)
        say("Генерирую результаты оценочных процедур…")
        result.fact_rows = write_facts(plan, reg, specs, say)
        lap("facts")
        result.users = create_users(reg)
        result.ground_truth_data = ground_truth(plan)
        result.ground_truth = write_ground_truth(result.ground_truth_data)
        lap("users_truth")
        result.seconds = round(time.perf_counter() - started, 2)
        audit.record(
            "bulk",
            model="demo",
            object_repr=f"Демонстрационные данные (seed {seed}, {size})",
            changes={
                "seed": seed,
                "size": size,
                "removed": result.removed,
                "created": result.counts,
                "fact_rows": result.fact_rows,
                "ground_truth": str(result.ground_truth),
                "users": [u.username for u in DEMO_USERS],
            },
        )
    return result


def _full(table: str, data: pa.Table) -> pa.Table:
    """``data`` with every column of the fact table but ``batch_id`` (absent ones null), so
    the parts of a buffer concatenate."""
    fields = [f for f in TABLES[table] if f.name != "batch_id"]
    columns = [
        data.column(f.name).cast(f.type)
        if f.name in data.column_names
        else pa.nulls(data.num_rows, f.type)
        for f in fields
    ]
    return pa.Table.from_arrays(columns, schema=pa.schema(fields))


class _Buffers:
    """Tables waiting to be written to one batch, flushed every ``CHUNK_ROWS`` rows."""

    def __init__(self, writer: Any, totals: dict[str, int]) -> None:
        self.writer = writer
        self.totals = totals
        self.parts: dict[str, list[pa.Table]] = {}
        self.rows: dict[str, int] = {}

    def add(self, table: str, data: pa.Table) -> None:
        self.parts.setdefault(table, []).append(_full(table, data))
        self.rows[table] = self.rows.get(table, 0) + data.num_rows
        if self.rows[table] >= CHUNK_ROWS:
            self.flush(table)

    def flush(self, table: str) -> None:
        parts = self.parts.pop(table, [])
        self.rows.pop(table, None)
        if parts:
            data = pa.concat_tables(parts)
            self.writer.write(table, data)
            self.totals[table] = self.totals.get(table, 0) + data.num_rows

    def flush_all(self) -> None:
        for table in list(self.parts):
            self.flush(table)


def write_facts(plan: RegionPlan, reg: Registry, specs: Specs, say: Progress) -> dict[str, int]:
    """One batch per procedure and year; files are written every ``CHUNK_ROWS`` rows."""
    procedures = {p.code: p for p in Procedure.objects.all()}
    territory = reg.municipalities[0] if len(reg.municipalities) == 1 else reg.region
    scope = sorted(reg.org_ids[s.number] for s in plan.schools)
    totals: dict[str, int] = {}
    for y in YEARS:
        views = [YearView.of(m, y, reg.org_ids) for m in plan.municipalities]
        for code, default_table, generate in PROCEDURES:
            with open_batch(
                kind=default_table,
                procedure=procedures[code],
                year=reg.years[y],
                territory=territory,
                scope=scope,
                source="demo",
                file_name=f"demo seed {plan.seed}",
            ) as writer:
                buffers = _Buffers(writer, totals)
                for view in views:
                    for item in generate(view, specs, plan.seed):
                        table, data = item if isinstance(item, tuple) else (default_table, item)
                        buffers.add(table, data)
                buffers.flush_all()
        say(f"  {y}/{y + 1}: готово")
    return totals


def create_users(reg: Registry) -> list[tuple[DemoUser, str]]:
    """The demo logins (one password for all); returns each with what it sees."""
    from msoko.registry.models import Organisation, Territory

    password = make_password(DEMO_PASSWORD)
    out: list[tuple[DemoUser, str]] = []
    for u in DEMO_USERS:
        territory = Territory.objects.get(code=u.territory) if u.territory else None
        organisation = Organisation.objects.get(code=u.organisation) if u.organisation else None
        fields: dict[str, Any] = {
            "first_name": u.first_name,
            "last_name": u.last_name,
            "position": u.position,
            "territory": territory,
            "organisation": organisation,
        }
        email = f"{u.username}@msoko.example"
        if u.is_superuser:
            user = User.objects.create_superuser(u.username, email, None, **fields)
        else:
            user = User.objects.create_user(
                u.username, email, None, role=u.role, is_staff=u.is_staff, **fields
            )
        user.password = password
        user.save(update_fields=["password"])
        sees = u.sees
        if organisation is not None:
            sees = sees.replace(
                "{" + organisation.code + "}", f"{organisation.short_name} ({organisation.code})"
            )
        out.append((u, sees))
    return out


def ground_truth(plan: RegionPlan) -> dict[str, Any]:
    planted: list[dict[str, Any]] = []
    for m in plan.municipalities:
        low = m.schools[m.planted[LOW_RESULTS]]
        res = m.schools[m.planted[RESILIENT]]
        non = m.schools[m.planted[NON_OBJECTIVE]]
        planted += [
            {
                "org_code": low.code,
                "case": LOW_RESULTS,
                "years": list(m.low_years),
                "municipality": m.code,
                "name": low.name.short_name,
            },
            {
                "org_code": res.code,
                "case": RESILIENT,
                "years": list(YEARS),
                "municipality": m.code,
                "name": res.name.short_name,
            },
            {
                "org_code": non.code,
                "case": NON_OBJECTIVE,
                "signals": ["journal_mismatch", "cutpoint_pileup"],
                "procedure": "VPR",
                "year": m.non_objective_year,
                "municipality": m.code,
                "name": non.name.short_name,
            },
        ]
    return {
        "seed": plan.seed,
        "size": plan.size,
        "region": "DEMO",
        "municipality": plan.municipalities[0].code,
        "municipalities": [m.code for m in plan.municipalities],
        "years": list(YEARS),
        "planted": planted,
        "schools": [s.code for s in plan.schools],
    }


def write_ground_truth(data: dict[str, Any]) -> Path:
    path = Path(settings.DATA_DIR) / GROUND_TRUTH_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path
