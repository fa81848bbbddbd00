"""What one analysis run looks at: a territory's schools, the years, the guarded fact scans.

The analysis is a system computation over a whole territory (a school is compared with its
municipality), so it reads the facts of the territory's schools through an ``OrgScope`` of
exactly those schools. What a user is shown of the result is filtered again through the
permission policy in the views and exports (``msoko.analysis.views``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import ibis
import ibis.expr.types as ir
import pandas as pd

from msoko.facts.store import OrgScope, connect, scan
from msoko.registry.models import Organisation, Territory

RESULTS = "student_results"


class AnalysisInputError(ValueError):
    """Input the analysis cannot work with; the message is in Russian, for the user."""


@dataclass
class Scope:
    territory: Territory
    year: int
    years: list[int]  # the window, oldest first, ending with ``year``
    schools: pd.DataFrame  # org_id, code, name, rural, small, level, territory_id
    con: ibis.BaseBackend = field(default_factory=connect)
    # the years with student results, school aggregates and social passports
    available: dict[str, set[int]] = field(default_factory=dict)

    @property
    def org_ids(self) -> list[int]:
        return [int(i) for i in self.schools["org_id"]]

    @property
    def org_scope(self) -> OrgScope:
        return OrgScope.of(self.org_ids)

    def scan(
        self, table: str, procedures: list[str] | None = None, years: list[int] | None = None
    ) -> ir.Table:
        t = scan(
            table,
            scope=self.org_scope,
            con=self.con,
            procedures=procedures,
            years=years if years is not None else self.years,
        )
        # The year of the hive partition path (int64) shadows the file's int16 column, and
        # DuckDB 1.5's perfect-hash aggregate then trusts statistics that do not fit: a
        # group-by on (org_id, year) fails. A cast gives the column honest statistics.
        t = t.mutate(year=t.year.cast("int16"))
        return t.filter(t.year.isin(years if years is not None else self.years))

    def name_of(self, org_id: int) -> str:
        row = self.schools.loc[self.schools["org_id"] == org_id]
        return str(row["name"].iloc[0]) if len(row) else str(org_id)

    def code_of(self, org_id: int) -> str:
        row = self.schools.loc[self.schools["org_id"] == org_id]
        return str(row["code"].iloc[0]) if len(row) else str(org_id)


def schools_of(territory: Territory) -> pd.DataFrame:
    ids = territory.descendant_ids()
    rows = list(
        Organisation.objects.filter(
            territory_id__in=ids, kind=Organisation.Kind.SCHOOL, is_active=True
        )
        .order_by("code")
        .values("pk", "code", "short_name", "locality", "is_small", "school_level", "territory_id")
    )
    df = pd.DataFrame(
        rows,
        columns=[
            "pk",
            "code",
            "short_name",
            "locality",
            "is_small",
            "school_level",
            "territory_id",
        ],
    )
    return pd.DataFrame(
        {
            "org_id": df["pk"].astype(int),
            "code": df["code"].astype(str),
            "name": df["short_name"].astype(str),
            "rural": (df["locality"] == Organisation.Locality.RURAL).astype(bool),
            "small": df["is_small"].astype(bool),
            "level": df["school_level"].astype(str),
            "territory_id": df["territory_id"].astype(int),
        }
    )


def data_years(territory: Territory, con: ibis.BaseBackend | None = None) -> dict[str, set[int]]:
    """The years in which the territory's schools have results of students
    (``student_results``), results as school aggregates (``school_aggregates``) and social
    passports (``passports``): what an analysis can run on."""
    from msoko.registry.models import SocialPassport

    schools = schools_of(territory)
    out: dict[str, set[int]] = {
        "student_results": set(),
        "school_aggregates": set(),
        "passports": set(),
    }
    if schools.empty:
        return out
    scope = OrgScope.of(schools["org_id"])
    for table in ("student_results", "school_aggregates"):
        t = scan(table, scope=scope, con=con)
        years = t.select(year=t.year.cast("int64")).distinct().to_pandas()
        out[table] = {int(y) for y in years["year"].dropna()}
    out["passports"] = set(
        SocialPassport.objects.filter(organisation_id__in=list(schools["org_id"]))
        .values_list("year__start_year", flat=True)
        .distinct()
    )
    return out


def latest_year(territory: Territory, con: ibis.BaseBackend | None = None) -> int | None:
    """The latest year with results (of students or school aggregates) of any school of
    ``territory``, else the latest year of a social passport."""
    years = data_years(territory, con)
    results = years["student_results"] | years["school_aggregates"]
    if results:
        return max(results)
    return max(years["passports"]) if years["passports"] else None


def resolve_territory(code: str | None) -> Territory:
    """A territory by code; without a code, the only municipality (or the first region)."""
    if code:
        territory = Territory.objects.filter(code=code).first()
        if territory is None:
            known = ", ".join(
                Territory.objects.order_by("code").values_list("code", flat=True)[:20]
            )
            raise AnalysisInputError(
                f"Территория с кодом «{code}» не найдена. Известные коды: {known or 'нет'}."
            )
        return territory
    municipalities = Territory.objects.filter(kind=Territory.Kind.MUNICIPALITY)
    if municipalities.count() == 1:
        return municipalities.get()
    region = Territory.objects.filter(kind=Territory.Kind.REGION).order_by("pk").first()
    if region is None:
        raise AnalysisInputError("В реестре нет ни одной территории: сначала заведите реестр.")
    if municipalities.count() > 1:
        raise AnalysisInputError(
            "Муниципалитетов несколько: укажите код территории (--territory КОД)."
        )
    return region


def build(territory: Territory, year: int | None, window: int = 3) -> Scope:
    """The run's scope. Refuses only when there is nothing at all to analyse: no results of
    any kind and no social passports (for ``year``, when it is given)."""
    schools = schools_of(territory)
    if schools.empty:
        raise AnalysisInputError(
            f"В территории «{territory.name}» нет действующих общеобразовательных организаций."
        )
    con = connect()
    available = data_years(territory, con)
    if year is None:
        year = latest_year(territory, con)
        if year is None:
            raise AnalysisInputError(
                f"По школам территории «{territory.name}» не загружено ни одного результата "
                "(ни по обучающимся, ни сводных по школам) и ни одного социального паспорта."
            )
    if not any(int(year) in years for years in available.values()):
        raise AnalysisInputError(
            f"За {year}/{year + 1} учебный год по школам территории «{territory.name}» "
            "результатов нет (ни по обучающимся, ни сводных по школам) и социальных "
            "паспортов нет. Выберите другой год."
        )
    years = list(range(year - window + 1, year + 1))
    scope = Scope(territory, int(year), years, schools, con, available)
    return scope
