"""What the rest of msoko reads about indicators: values through the access policy, and
values read against their norms (``reading.py``).

``scope`` is an ``OrgScope`` built from the policy (``OrgScope.for_user(user)``): school rows
of the organisations it holds and the aggregate rows of their municipalities and regions.
``scope=None`` is the unscoped read of system code (analysis jobs, the command line).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from msoko.facts.store import OrgScope
from msoko.indicators import same_schools
from msoko.indicators import values as value_store
from msoko.indicators.models import IndicatorDefinition, Norm
from msoko.indicators.reading import read_one

DIM_FILL = {"subject": "", "grade": -1, "task": ""}
KEY = ["indicator", "level", "entity", "subject", "grade", "task"]


@dataclass(frozen=True)
class Visibility:
    org_ids: frozenset[int] | None
    territory_ids: frozenset[int] | None


def visibility(scope: OrgScope | None) -> Visibility:
    """The organisations and territories whose rows a scope may read."""
    if scope is None:
        return Visibility(None, None)
    from msoko.registry.models import Organisation, Territory

    munis = set(
        Organisation.objects.filter(pk__in=scope.org_ids)
        .values_list("territory_id", flat=True)
        .distinct()
    )
    regions = set(
        Territory.objects.filter(pk__in=munis, parent__isnull=False).values_list("parent_id", flat=True)
    )
    return Visibility(frozenset(scope.org_ids), frozenset(munis | regions))


def _normalise(df: pd.DataFrame) -> pd.DataFrame:
    """Keys in one representation: text as plain Python strings ("" for none; the readings
    loop over them, and iterating Arrow-backed strings costs several times more), grade
    −1 for none, ``entity`` the organisation of a school row, else the territory."""
    df = df.copy()
    for col in ("indicator", "level", "subject", "task"):
        df[col] = pd.Series(df[col].astype("object").where(df[col].notna(), ""), index=df.index, dtype=object)
    df["grade"] = pd.to_numeric(df["grade"], errors="coerce").fillna(-1).astype("int64")
    df["year"] = df["year"].astype("int64")
    df["entity"] = np.where(df["level"] == "school", df["org_id"], df["territory_id"])
    df["entity"] = pd.to_numeric(df["entity"], errors="coerce").astype("Int64")
    return df


def values_frame(
    codes: Iterable[str] | None,
    *,
    scope: OrgScope | None,
    years: Iterable[int] | None = None,
    level: str | None = None,
    catalogs: Iterable[str] | None = None,
    breakdown: tuple[str | None, int | None, str | None] | None = None,
    columns: Iterable[str] | None = None,
    categorical: bool = False,
) -> pd.DataFrame:
    """Stored values (indicator, level, org_id, territory_id, year, subject, grade, task,
    value, numerator, denominator, n, source, batches, run_id, or only ``columns``) that
    ``scope`` may read; ``breakdown`` and ``categorical`` as in ``values.read``."""
    vis = visibility(scope)
    return value_store.read(
        org_ids=vis.org_ids,
        territory_ids=vis.territory_ids,
        indicators=list(codes) if codes is not None else None,
        catalogs=list(catalogs) if catalogs is not None else None,
        years=list(years) if years is not None else None,
        levels=[level] if level else None,
        breakdown=breakdown,
        columns=columns,
        categorical=categorical,
    )


def _match(
    df: pd.DataFrame,
    *,
    organisation_id: int | None,
    territory_id: int | None,
    subject: str | None,
    grade: int | None,
    task: str | None = None,
) -> pd.DataFrame:
    if organisation_id is not None:
        df = df[(df["level"] == "school") & (df["org_id"] == organisation_id)]
    elif territory_id is not None:
        df = df[(df["level"] != "school") & (df["territory_id"] == territory_id)]
    df = df[df["subject"].isna()] if subject is None else df[df["subject"] == subject]
    df = df[df["grade"].isna()] if grade is None else df[df["grade"] == grade]
    return df[df["task"].isna()] if task is None else df[df["task"] == task]


def series(
    code: str,
    *,
    scope: OrgScope | None,
    organisation_id: int | None = None,
    territory_id: int | None = None,
    subject: str | None = None,
    grade: int | None = None,
) -> dict[int, float | None]:
    """Year → value of one indicator for one organisation or territory."""
    df = values_frame([code], scope=scope)
    df = _match(df, organisation_id=organisation_id, territory_id=territory_id, subject=subject, grade=grade)
    return {
        int(y): (None if pd.isna(v) else float(v))
        for y, v in sorted(zip(df["year"], df["value"], strict=True))
    }


def value_at(
    code: str,
    year: int,
    *,
    scope: OrgScope | None,
    organisation_id: int | None = None,
    territory_id: int | None = None,
    subject: str | None = None,
    grade: int | None = None,
) -> float | None:
    return series(
        code,
        scope=scope,
        organisation_id=organisation_id,
        territory_id=territory_id,
        subject=subject,
        grade=grade,
    ).get(int(year))


def definitions(codes: Iterable[str] | None = None, catalog: str | None = None) -> dict[str, IndicatorDefinition]:
    qs = IndicatorDefinition.objects.select_related("catalog")
    if codes is not None:
        qs = qs.filter(code__in=list(codes))
    if catalog is not None:
        qs = qs.filter(catalog__code=catalog)
    return {d.code: d for d in qs}


class _Geo:
    def __init__(self) -> None:
        from msoko.indicators.compute import Geography

        geo = Geography.load()
        self.parent = geo.municipality_region
        self.org_muni = geo.org_municipality

    def territory_of(self, level: str, entity: int) -> int | None:
        if level == "school":
            return self.org_muni.get(entity)
        return entity

    def parent_of(self, level: str, entity: int) -> tuple[str, int] | None:
        """The level above and its territory: a school's municipality, a municipality's region."""
        if level == "school":
            muni = self.org_muni.get(entity)
            return ("municipality", muni) if muni else None
        if level == "municipality":
            region = self.parent.get(entity)
            return ("region", region) if region else None
        return None


def _peer_municipalities(
    vis: Visibility, geo: _Geo, level: str | None, entities: Iterable[int] | None, *, best: bool
) -> set[int]:
    """The municipalities whose school rows a reading needs: those of the schools it shows
    (a school is ranked among its municipality's schools) and, when a norm is «the best
    organisation», the municipalities it shows (their norm is one of their own schools)."""
    wanted = None if entities is None else {int(e) for e in entities}
    munis: set[int | None] = set()
    if level in (None, "school"):
        orgs = set(vis.org_ids if vis.org_ids is not None else geo.org_muni)
        if wanted is not None and level == "school":
            orgs &= wanted
        munis |= {geo.org_muni.get(o) for o in orgs}
    if best and level in (None, "municipality"):
        all_munis = set(geo.org_muni.values()) | set(geo.parent)
        shown = all_munis if vis.territory_ids is None else all_munis & vis.territory_ids
        if wanted is not None and level == "municipality":
            shown &= wanted
        munis |= shown
    return {m for m in munis if m is not None}


def _visible(df: pd.DataFrame, vis: Visibility, level: str | None) -> pd.DataFrame:
    """The rows of ``df`` a scope may read (as ``values.read`` filters them), of one level."""
    school = (df["level"] == "school").to_numpy()
    keep = np.ones(len(df), dtype=bool)
    if vis.org_ids is not None:
        keep &= ~school | df["org_id"].isin(list(vis.org_ids)).to_numpy()
    if vis.territory_ids is not None:
        keep &= school | df["territory_id"].isin(list(vis.territory_ids)).to_numpy()
    if level:
        keep &= (df["level"] == level).to_numpy()
    return df[keep]


def _refers_to_best_school(defs: dict[str, IndicatorDefinition], norms: dict[str, list[Norm]]) -> bool:
    """Whether any norm of these indicators is «the best organisation» (then a municipality's
    norm needs its schools' values)."""
    best = Norm.Reference.BEST_SCHOOL
    return any((d.spec.get("norm") or {}).get("reference") == best for d in defs.values()) or any(
        n.reference == best for rows in norms.values() for n in rows
    )


def _norm_rows(codes: list[str]) -> dict[str, list[Norm]]:
    out: dict[str, list[Norm]] = {}
    for norm in Norm.objects.filter(indicator__code__in=codes).select_related("indicator"):
        out.setdefault(norm.indicator.code, []).append(norm)
    return out


def _pick_norm(norms: list[Norm], territories: list[int | None], year: int) -> Norm | None:
    for territory in territories:
        for want_year in (year, None):
            for norm in norms:
                if norm.territory_id == territory and norm.year == want_year:
                    return norm
    return None


def readings(
    *,
    scope: OrgScope | None,
    year: int,
    codes: Iterable[str] | None = None,
    catalog: str | None = None,
    level: str | None = None,
    entities: Iterable[int] | None = None,
    breakdown: tuple[str | None, int | None, str | None] | None = None,
    same_schools: bool = False,
) -> list[dict[str, Any]]:
    """Values of ``year`` read against norms and last year, with colour, score, interval and
    suppression, and each value's history (for sparklines); one dict per row visible to
    ``scope``. ``entities`` limits to some organisations (school level) or territories;
    ``breakdown`` to one (subject, grade, task), ``None`` in it meaning «no such breakdown»
    (peers, references and last year always share a row's breakdown). With
    ``same_schools``, territory rows also carry the like-for-like change: over only the
    schools with a value in both years (``same_schools.py``)."""
    defs = definitions(codes, catalog)
    if not defs:
        return []
    code_list = sorted(defs)
    # one read of everything (unscoped) that can resolve a reference or rank a peer of a
    # visible row: every territory row, and the school rows of the municipalities of the
    # scope's schools (a school's peers are its municipality's schools; a municipality's
    # «best organisation» norm is one of its own). The visible rows are filtered from it.
    # Only derived figures (a norm, a score) leave this function, never another school's row.
    vis = visibility(scope)
    geo = _Geo()
    norms = _norm_rows(code_list)
    munis = _peer_municipalities(vis, geo, level, entities, best=_refers_to_best_school(defs, norms))
    peer_orgs = sorted(o for o, m in geo.org_muni.items() if m in munis)
    everything = _normalise(
        value_store.read(org_ids=peer_orgs, territory_ids=None, indicators=code_list, breakdown=breakdown)
        if peer_orgs
        else value_store.read(
            org_ids=None,
            territory_ids=None,
            indicators=code_list,
            levels=["municipality", "region"],
            breakdown=breakdown,
        )
    )
    if breakdown is not None:
        everything = _of_breakdown(everything, breakdown)
    visible = _visible(everything, vis, level)
    if visible.empty:
        return []
    if entities is not None:
        visible = visible[visible["entity"].isin(list(entities))]
    current = visible[visible["year"] == year]
    # one pass over the rows in year order (a groupby-apply took a second for one page)
    history: dict[tuple[Any, ...], list[tuple[int, float | None]]] = {}
    by_year = visible.sort_values("year", kind="stable")
    for k, y, v in zip(
        by_year[KEY].itertuples(index=False, name=None), by_year["year"], by_year["value"], strict=True
    ):
        history.setdefault(k, []).append((int(y), None if pd.isna(v) else float(v)))
    prev_index = {
        tuple(k): v
        for k, v in zip(
            everything[everything["year"] == year - 1][KEY].itertuples(index=False, name=None),
            everything[everything["year"] == year - 1]["value"],
            strict=True,
        )
    }
    cur_all = everything[everything["year"] == year]
    by_key_value = {
        tuple(k): v for k, v in zip(cur_all[KEY].itertuples(index=False, name=None), cur_all["value"], strict=True)
    }
    # peers for the 0–100 score: same indicator, breakdown and level under the same parent
    cur_all = cur_all.assign(
        parent=[
            (geo.parent_of(lv, int(e)) or (None, None))[1] if pd.notna(e) else None
            for lv, e in zip(cur_all["level"], cur_all["entity"], strict=True)
        ]
    )
    peer_scores = _peer_scores(cur_all, defs)
    like = (
        _like_for_like(defs, current, everything, munis, geo, year, breakdown, vis.org_ids)
        if same_schools
        else {}
    )
    out: list[dict[str, Any]] = []
    for row in current.itertuples(index=False):
        d = defs[row.indicator]
        spec = d.spec
        entity = int(row.entity)
        key = (row.indicator, row.level, row.entity, row.subject, row.grade, row.task)
        territory = geo.territory_of(row.level, entity)
        chain = [territory, geo.parent.get(territory) if territory else None, None]
        norm_value, norm_label, norm_set = _resolve_norm(
            spec, norms.get(row.indicator, []), chain, year, row, by_key_value, cur_all, geo
        )
        previous = prev_index.get(key)
        reading = read_one(
            spec,
            value=None if pd.isna(row.value) else float(row.value),
            numerator=None if pd.isna(row.numerator) else float(row.numerator),
            denominator=None if pd.isna(row.denominator) else float(row.denominator),
            n=None if pd.isna(row.n) else float(row.n),
            previous=None if previous is None or pd.isna(previous) else float(previous),
            norm=norm_value,
        )
        suppressed = reading["suppressed"]
        out.append(
            {
                "indicator": row.indicator,
                "name": d.name,
                "unit": d.unit,
                "direction": d.direction,
                "section": d.section,
                "catalog": d.catalog.code,
                "level": row.level,
                "org_id": None if pd.isna(row.org_id) else int(row.org_id),
                "territory_id": None if pd.isna(row.territory_id) else int(row.territory_id),
                "year": year,
                "subject": row.subject or None,
                "grade": None if row.grade == -1 else int(row.grade),
                "task": row.task or None,
                "numerator": None if suppressed or pd.isna(row.numerator) else float(row.numerator),
                "denominator": None if suppressed or pd.isna(row.denominator) else float(row.denominator),
                "n": None if pd.isna(row.n) else float(row.n),
                "source": row.source,
                "batches": row.batches,
                "run_id": None if pd.isna(row.run_id) else int(row.run_id),
                "norm_label": norm_label,
                # a norm someone set (a Norm row or the definition's), not the level above
                "norm_set": norm_set and norm_value is not None,
                "score": None if suppressed else peer_scores.get(key),
                "history": [] if suppressed else history.get(key, []),
                **reading,
                **(_NO_LIKE if suppressed else like.get(key, _NO_LIKE)),
            }
        )
    return out


def _categorical_keys(df: pd.DataFrame) -> pd.DataFrame:
    """Keys as ``_normalise`` makes them ("" for no text, grade −1), kept categorical: the
    like-for-like sums group them and never loop over them, and decoding a region's school
    rows into Python strings costs more than the sums."""
    for col in ("indicator", "level", "subject", "task"):
        c = df[col]
        if not isinstance(c.dtype, pd.CategoricalDtype):
            c = c.astype("category")
        if "" not in c.cat.categories:
            c = c.cat.add_categories("")
        df[col] = c.fillna("")
    df["grade"] = pd.to_numeric(df["grade"], errors="coerce").fillna(-1).astype("int64")
    df["year"] = df["year"].astype("int64")
    return df


_NO_LIKE: dict[str, Any] = {
    "value_same_schools": None,
    "previous_same_schools": None,
    "change_same_schools": None,
    "same_schools": None,
}


def _like_for_like(
    defs: dict[str, IndicatorDefinition],
    current: pd.DataFrame,
    everything: pd.DataFrame,
    read_munis: set[int],
    geo: _Geo,
    year: int,
    breakdown: tuple[str | None, int | None, str | None] | None,
    visible: frozenset[int] | None,
) -> dict[tuple[Any, ...], dict[str, Any]]:
    """The like-for-like change of the territory rows of ``current`` (``visible``: the
    reader's organisations, who gets no figure that is one school's own unless she may
    see every school of the territory). Their schools' rows
    of both years come from ``everything`` when it holds all of them (a page of schools
    and territories reads them anyway), otherwise from one more read of those schools."""
    specs = {code: d.spec for code, d in defs.items() if same_schools.eligible(d.spec)}
    territory = current[(current["level"] != "school") & current["indicator"].isin(list(specs))]
    if territory.empty:
        return {}
    munis: set[int] = set()
    for level, entity in zip(territory["level"], territory["entity"], strict=True):
        if level == "municipality":
            munis.add(int(entity))
        else:
            munis |= {m for m, r in geo.parent.items() if r == int(entity)}
    if munis <= read_munis:
        schools = everything[everything["level"] == "school"]
    else:
        orgs = sorted(o for o, m in geo.org_muni.items() if m in munis)
        if not orgs:
            return {}
        frame = value_store.read(
            org_ids=orgs,
            territory_ids=None,
            indicators=sorted(set(territory["indicator"])),
            years=[year - 1, year],
            levels=["school"],
            breakdown=breakdown,
            columns=["indicator", "level", "org_id", "year", "subject", "grade", "task", "value",
                     "numerator", "denominator", "n"],
            categorical=True,
        )
        schools = _categorical_keys(frame)
    keys = territory[KEY].itertuples(index=False, name=None)
    return same_schools.changes(specs, schools, year, keys, geo.org_muni, geo.parent, visible)


def _of_breakdown(
    df: pd.DataFrame, breakdown: tuple[str | None, int | None, str | None]
) -> pd.DataFrame:
    subject, grade, task = breakdown
    return df[
        (df["subject"] == (subject or ""))
        & (df["grade"] == (-1 if grade is None else int(grade)))
        & (df["task"] == (task or ""))
    ]


def _peer_scores(cur_all: pd.DataFrame, defs: dict[str, IndicatorDefinition]) -> dict[tuple[Any, ...], float]:
    """``reading.scores`` for every peer group at once (a loop over groups took seconds for
    one page): 0–100 between the group's worst and best value, groups smaller than the
    indicator's minimum left out."""
    if cur_all.empty:
        return {}
    min_group = cur_all["indicator"].map({c: int(d.min_group) for c, d in defs.items()})
    direction = cur_all["indicator"].map({c: d.direction for c, d in defs.items()})
    v = cur_all["value"].astype("float64").where(cur_all["n"].fillna(np.inf) >= min_group)
    keys = [cur_all[c] for c in ("indicator", "level", "subject", "grade", "task", "parent")]
    grouped = v.groupby(keys, sort=False, dropna=False)
    lo, hi = grouped.transform("min"), grouped.transform("max")
    with np.errstate(divide="ignore", invalid="ignore"):
        raw = 100.0 * (v - lo) / (hi - lo)
    sc = raw.where(direction != "lower", 100.0 - raw).where(hi != lo, 100.0)
    sc = sc.where(v.notna() & (direction != "none"))
    return {
        tuple(k): float(x)
        for k, x in zip(cur_all[KEY].itertuples(index=False, name=None), sc, strict=True)
        if pd.notna(x)
    }


def _resolve_norm(
    spec: dict[str, Any],
    norms: list[Norm],
    chain: list[int | None],
    year: int,
    row: Any,
    by_key_value: dict[tuple[Any, ...], Any],
    cur_all: pd.DataFrame,
    geo: _Geo,
) -> tuple[float | None, str, bool]:
    """The norm of one value, where it comes from, and whether it was set (a ``Norm`` row or
    the definition's own norm) rather than taken from the level above for want of one."""
    picked = _pick_norm(norms, chain, year)
    is_set = True
    if picked is not None:
        reference = picked.reference
        value = picked.value
        label = "норма муниципалитета" if picked.territory_id else "норма"
    else:
        raw = spec.get("norm") or {}
        reference = raw.get("reference", "value")
        by_year = {int(k): v for k, v in (raw.get("by_year") or {}).items()}
        value = by_year.get(year, raw.get("value"))
        label = "норма по документу"
        if reference == "value" and value is None:
            reference, label, is_set = "parent", "", False
    found, label = _reference_value(reference, value, label, spec, row, by_key_value, cur_all, geo)
    return found, label, is_set


def _reference_value(
    reference: str,
    value: Any,
    label: str,
    spec: dict[str, Any],
    row: Any,
    by_key_value: dict[tuple[Any, ...], Any],
    cur_all: pd.DataFrame,
    geo: _Geo,
) -> tuple[float | None, str]:
    """The value a norm stands for (itself, or the values it refers to) and its label."""
    if reference == "value":
        return (None if value is None else float(value)), label
    dims = (row.subject, row.grade, row.task)
    entity = int(row.entity)
    if reference == "parent":
        parent = geo.parent_of(row.level, entity)
        if parent is None:
            return None, ""
        v = by_key_value.get((row.indicator, parent[0], parent[1], *dims))
        label = "среднее по муниципалитету" if parent[0] == "municipality" else "среднее по региону"
        return (None if v is None or pd.isna(v) else float(v)), label
    territory = geo.territory_of(row.level, entity)
    region = geo.parent.get(territory) if territory else None
    if row.level == "region":
        region = entity
    if reference == "region_average":
        v = by_key_value.get((row.indicator, "region", region, *dims))
        return (None if v is None or pd.isna(v) else float(v)), "среднее по региону"
    if reference == "municipality_average":
        v = by_key_value.get((row.indicator, "municipality", territory, *dims))
        return (None if v is None or pd.isna(v) else float(v)), "среднее по муниципалитету"
    level = "municipality" if reference == "best_municipality" else "school"
    peers = cur_all[
        (cur_all["indicator"] == row.indicator)
        & (cur_all["level"] == level)
        & (cur_all["subject"] == row.subject)
        & (cur_all["grade"] == row.grade)
        & (cur_all["task"] == row.task)
    ]
    if level == "municipality":
        peers = peers[peers["entity"].map(lambda e: geo.parent.get(int(e)) == region)]
    else:
        peers = peers[peers["territory_id"] == territory]
    peers = peers[peers["n"].fillna(np.inf) >= int(spec.get("min_group", 5))]
    if peers.empty:
        return None, ""
    best = peers["value"].min() if spec.get("direction") == "lower" else peers["value"].max()
    return (None if pd.isna(best) else float(best)), (
        "лучший муниципалитет" if level == "municipality" else "лучшая организация"
    )
