"""The plan of the synthetic region: municipalities, organisations, their context, the
planted cases and the students (as numpy arrays). Nothing here touches the database.

The latent model. A student's result on a work is driven by

    z = e[school, year] + sqrt(ABILITY_SHARE) · (sqrt(RHO) · u + sqrt(1 − RHO) · ε)

where ``e`` is the school's effect in that year (the context of the school, its profile, a
random part and, for the planted schools, the planted case), ``u`` the student's lasting
ability (a child keeps it from year to year, so cohorts can be followed) and ``ε`` the form
on the day. z is about standard normal over a municipality, which is what the calibration
of every work assumes (``msoko.demo.calibrate``).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from math import ceil

import numpy as np
import pyarrow as pa

from msoko.demo import names as nm
from msoko.demo.content import ADDITIONAL_EDUCATION_TITLES, CLASS_PROFILES_10_11
from msoko.demo.rng import stream
from msoko.demo.specs import CONTINUE_TO_10, SCHOOL_SD
from msoko.registry.pseudonym import student_pseudonym

YEARS = (2023, 2024, 2025)
CURRENT_YEAR = YEARS[-1]
LETTERS = "АБВГДЕЖЗИК"
REGION_CODE = "DEMO"
REGION_NAME = "Демонстрационная область"
FAKE_REGION_DIGITS = "99"  # the region part of the fake ИНН / ОГРН

LOW_RESULTS = "low_results"
RESILIENT = "resilient"
NON_OBJECTIVE = "non_objective"

SIZES = {"municipality": 1, "region": 40}


@dataclass
class OrgPlan:
    """One organisation of the plan (a school, a preschool or an additional-education one)."""

    number: int  # 1-based number in the region: the code is DEMO-{number:03d}
    muni: int
    kind: str  # school / preschool / additional
    level: str  # primary / basic / secondary / ""
    school_type: str  # sosh / advanced / lyceum / gymnasium / rural / ""
    name: nm.OrgName
    locality: str  # urban / rural
    settlement: str
    is_small: bool = False
    advanced_profile: str = ""
    address: str = ""
    ogrn: str = ""
    inn: str = ""
    cohort: int = 0  # students per grade
    context: dict[str, float] = field(default_factory=dict)
    effect: float = 0.0
    year_effect: dict[int, float] = field(default_factory=dict)
    leniency: float = 0.0  # how generous the school's journal marks are
    planted: str = ""

    @property
    def code(self) -> str:
        return f"DEMO-{self.number:03d}"

    @property
    def website(self) -> str:
        return f"https://demo-{self.number:03d}.msoko.example"

    @property
    def top_grade(self) -> int:
        return {"primary": 4, "basic": 9, "secondary": 11}.get(self.level, 0)

    @property
    def class_size(self) -> int:
        return 28 if self.locality == "urban" else 25

    @property
    def profile_10_11(self) -> tuple[str, ...]:
        if self.school_type == "lyceum":
            return ("технологический", "естественно-научный")
        if self.school_type == "gymnasium":
            return ("гуманитарный", "социально-экономический")
        if self.school_type == "advanced":
            return ("технологический", "универсальный")
        return ("универсальный", "социально-экономический")


@dataclass
class Students:
    """The students of one municipality, one row each (index = position in the arrays)."""

    school: np.ndarray  # index into MunicipalityPlan.schools
    entry: np.ndarray  # year of entering grade 1
    ability: np.ndarray  # u
    continues: np.ndarray  # goes on to grades 10–11
    letter: np.ndarray  # class letter index in grades 1–9
    letter_hs: np.ndarray  # class letter index in grades 10–11
    disability: np.ndarray  # ОВЗ
    pseudonym: pa.Array  # strings

    def __len__(self) -> int:
        return len(self.school)

    def grade(self, year: int) -> np.ndarray:
        return (year - self.entry + 1).astype(np.int16)

    def enrolled(self, year: int, top_grade: np.ndarray) -> np.ndarray:
        g = self.grade(year)
        return (g >= 1) & (g <= top_grade[self.school]) & ((g <= 9) | self.continues)

    def letter_in(self, year: int) -> np.ndarray:
        return np.where(self.grade(year) >= 10, self.letter_hs, self.letter)


@dataclass
class MunicipalityPlan:
    index: int
    name: str
    centre: str
    effect: float
    schools: list[OrgPlan]
    others: list[OrgPlan]
    planted: dict[str, int] = field(default_factory=dict)  # case → index into schools
    low_years: tuple[int, ...] = ()
    non_objective_year: int = 0
    students: Students | None = None

    @property
    def code(self) -> str:
        return f"DEMO-M{self.index + 1}"

    def require_students(self) -> Students:
        if self.students is None:
            raise RuntimeError(f"students of {self.code} are not planned yet")
        return self.students

    def top_grades(self) -> np.ndarray:
        return np.array([s.top_grade for s in self.schools], dtype=np.int16)

    def effects(self, year: int) -> np.ndarray:
        return np.array([s.year_effect[year] for s in self.schools])


@dataclass
class RegionPlan:
    seed: int
    size: str
    municipalities: list[MunicipalityPlan]

    @property
    def schools(self) -> list[OrgPlan]:
        return [s for m in self.municipalities for s in m.schools]

    @property
    def organisations(self) -> list[OrgPlan]:
        return [o for m in self.municipalities for o in (*m.schools, *m.others)]


# ---------------------------------------------------------------------------------------
# Municipalities and organisations


def _layout(rng: np.random.Generator, index: int) -> tuple[int, list[str], list[str]]:
    """How many schools of which kind: (n_urban, urban types, rural levels)."""
    if index == 0:
        urban = [
            "sosh",
            "lyceum",
            "sosh",
            "gymnasium",
            "sosh",
            "advanced",
            "sosh",
            "sosh",
            "sosh",
            "sosh",
        ]
        rural = ["secondary"] * 8 + ["basic"] * 5 + ["primary"] * 2
        return len(urban), urban, rural
    n = int(rng.integers(16, 36))
    city = rng.random() < 0.2
    n_urban = max(3, round(n * (rng.uniform(0.8, 0.95) if city else rng.uniform(0.3, 0.45))))
    n_urban = min(n_urban, n - 3)  # at least a few rural schools, one of them a СОШ
    urban = ["sosh"] * n_urban
    specials = ["lyceum", "gymnasium", "advanced"] if n_urban >= 7 else ["lyceum", "gymnasium"]
    if n_urban >= 15:
        specials += ["lyceum", "gymnasium", "advanced"]
    if n_urban >= 4:
        for k, kind in enumerate(specials):
            urban[1 + 2 * k] = kind
    n_rural = n - n_urban
    n_sec = round(n_rural * 0.55)
    n_basic = round(n_rural * 0.3)
    rural = ["secondary"] * n_sec + ["basic"] * n_basic + ["primary"] * (n_rural - n_sec - n_basic)
    return n_urban, urban, rural


def _context(rng: np.random.Generator, org: OrgPlan) -> dict[str, float]:
    """The base social-passport values of a school (shares in %)."""
    urban = org.locality == "urban"
    elite = org.school_type in ("lyceum", "gymnasium")
    c = {
        "low_income": rng.normal(13, 4) if urban else rng.normal(27, 7),
        "single_parent": rng.normal(24, 5) if urban else rng.normal(27, 6),
        "disability": 4.5 if urban else (8.0 if org.level in ("basic", "primary") else 6.5),
        "non_native": (rng.uniform(6, 15) if rng.random() < 0.12 else rng.uniform(0.5, 4))
        if urban
        else (rng.uniform(8, 22) if rng.random() < 0.15 else rng.uniform(0.5, 5)),
        "preventive": rng.normal(1.3, 0.6) if urban else rng.normal(2.2, 0.9),
        "parents_higher": rng.normal(44, 8) if urban else rng.normal(20, 6),
        "distance": rng.uniform(0, 6) if urban else rng.uniform(8, 75),
    }
    if elite:
        c["low_income"] -= 5
        c["parents_higher"] = rng.normal(68, 6)
        c["preventive"] = 0.5
        c["disability"] = 2.0
    c["low_income"] = float(np.clip(c["low_income"], 3, 48))
    c["single_parent"] = float(np.clip(c["single_parent"], 8, 42))
    c["preventive"] = float(np.clip(c["preventive"], 0.2, 6))
    c["parents_higher"] = float(np.clip(c["parents_higher"], 5, 85))
    return {k: float(v) for k, v in c.items()}


# weights of the adversity index (ШНСУ context): positive = harder conditions
ADVERSITY_WEIGHTS = {
    "low_income": 0.30,
    "parents_higher": -0.25,
    "distance": 0.15,
    "disability": 0.10,
    "non_native": 0.10,
    "preventive": 0.10,
}


def adversity(contexts: list[dict[str, float]]) -> np.ndarray:
    """A standardised index of adverse social conditions, one value per school."""
    total = np.zeros(len(contexts))
    for key, weight in ADVERSITY_WEIGHTS.items():
        v = np.array([c[key] for c in contexts])
        sd = v.std() or 1.0
        total += weight * (v - v.mean()) / sd
    sd = total.std() or 1.0
    return (total - total.mean()) / sd


def _organisations(
    seed: int, index: int, number: int, centre: str, villages: list[tuple[str, str]]
) -> tuple[list[OrgPlan], list[OrgPlan]]:
    rng = stream(seed, "orgs", index)
    n_urban, urban_types, rural_levels = _layout(rng, index)
    schools: list[OrgPlan] = []
    for k, kind in enumerate(urban_types):
        form = "МАОУ" if kind == "lyceum" and rng.random() < 0.5 else "МБОУ"
        street = nm.STREETS[int(rng.integers(len(nm.STREETS)))]
        org = OrgPlan(
            number=number + len(schools),
            muni=index,
            kind="school",
            level="secondary",
            school_type=kind,
            name=nm.urban_school_name(form, k + 1, kind, centre),
            locality="urban",
            settlement=centre,
            address=f"{centre}, {street}, д. {int(rng.integers(1, 120))}",
        )
        if kind == "lyceum":
            org.advanced_profile = "лицей: углублённое изучение математики, физики и информатики"
            org.cohort = int(rng.integers(50, 91))
        elif kind == "gymnasium":
            org.advanced_profile = (
                "гимназия: углублённое изучение русского языка и иностранных языков"
            )
            org.cohort = int(rng.integers(50, 91))
        elif kind == "advanced":
            org.advanced_profile = "углублённое изучение математики"
            org.cohort = int(rng.integers(60, 101))
        else:
            org.cohort = int(rng.integers(45, 106))
        if index:  # the other municipalities of the region are a little smaller
            org.cohort = round(org.cohort * 0.88)
        schools.append(org)
    for k, level in enumerate(rural_levels):
        village, adjective = villages[k % len(villages)]
        form = "МКОУ" if level != "secondary" or rng.random() < 0.3 else "МБОУ"
        street = ("ул. Школьная", "ул. Центральная", "ул. Советская", "ул. Мира")[
            int(rng.integers(4))
        ]
        cohort = {
            "secondary": int(rng.integers(10, 27)),
            "basic": int(rng.integers(4, 12)),
            "primary": int(rng.integers(3, 9)),
        }[level]
        schools.append(
            OrgPlan(
                number=number + len(schools),
                muni=index,
                kind="school",
                level=level,
                school_type="rural",
                name=nm.rural_school_name(form, adjective, level, village),
                locality="rural",
                settlement=village,
                address=f"{village}, {street}, д. {int(rng.integers(1, 40))}",
                cohort=cohort,
                is_small=cohort < 10,
            )
        )
    for org in schools:
        org.ogrn = nm.make_ogrn(FAKE_REGION_DIGITS, rng)
        org.inn = nm.make_inn(FAKE_REGION_DIGITS, rng)
        org.context = _context(rng, org)
    # Two preschools (one in the centre, one in a village) and one additional-education
    # organisation: in the registry, without results.
    others: list[OrgPlan] = []
    n = number + len(schools)
    titles = list(nm.KINDERGARTEN_NAMES)
    t1, t2 = (titles[int(i)] for i in rng.choice(len(titles), 2, replace=False))
    others.append(
        OrgPlan(
            number=n,
            muni=index,
            kind="preschool",
            level="",
            school_type="",
            name=nm.kindergarten_name(int(rng.integers(1, 15)), t1, None),
            locality="urban",
            settlement=centre,
            address=f"{centre}, {nm.STREETS[int(rng.integers(len(nm.STREETS)))]}, д. {int(rng.integers(1, 90))}",
        )
    )
    rural_villages = [v for v in villages if v[1].endswith(("ская", "цкая"))]
    village, adjective = rural_villages[int(rng.integers(len(rural_villages)))]
    others.append(
        OrgPlan(
            number=n + 1,
            muni=index,
            kind="preschool",
            level="",
            school_type="",
            name=nm.kindergarten_name(None, t2, adjective),
            locality="rural",
            settlement=village,
            address=f"{village}, ул. Садовая, д. {int(rng.integers(1, 30))}",
        )
    )
    title = ADDITIONAL_EDUCATION_TITLES[int(rng.integers(len(ADDITIONAL_EDUCATION_TITLES)))]
    others.append(
        OrgPlan(
            number=n + 2,
            muni=index,
            kind="additional",
            level="",
            school_type="",
            name=nm.additional_education_name(title),
            locality="urban",
            settlement=centre,
            address=f"{centre}, {nm.STREETS[int(rng.integers(len(nm.STREETS)))]}, д. {int(rng.integers(1, 90))}",
        )
    )
    for org in others:
        org.ogrn = nm.make_ogrn(FAKE_REGION_DIGITS, rng)
        org.inn = nm.make_inn(FAKE_REGION_DIGITS, rng)
    return schools, others


def _plant(seed: int, muni: MunicipalityPlan) -> None:
    """Choose the planted schools of a municipality and set their context and effects."""
    rng = stream(seed, "plant", muni.index)
    schools = muni.schools
    plain_urban = [i for i, s in enumerate(schools) if s.school_type == "sosh"]
    pick = rng.permutation(plain_urban)
    low, non_objective = int(pick[0]), int(pick[1])
    rural_sec = [
        i for i, s in enumerate(schools) if s.level == "secondary" and s.locality == "rural"
    ]
    resilient = int(rng.choice(rural_sec))
    muni.planted = {LOW_RESULTS: low, RESILIENT: resilient, NON_OBJECTIVE: non_objective}
    muni.low_years = YEARS[1:]
    muni.non_objective_year = int(YEARS[1 + int(rng.integers(2))])

    schools[low].planted = LOW_RESULTS
    schools[non_objective].planted = NON_OBJECTIVE
    schools[non_objective].cohort = max(schools[non_objective].cohort, 60)
    res = schools[resilient]
    res.planted = RESILIENT
    res.cohort = max(res.cohort, 20)
    others = [s.context for s in schools if s is not res]
    res.context.update(
        low_income=min(58.0, max(c["low_income"] for c in others) + float(rng.uniform(3, 7))),
        single_parent=min(45.0, max(c["single_parent"] for c in others) + 2),
        disability=12.0,
        non_native=float(rng.uniform(16, 26)),
        preventive=float(rng.uniform(4.5, 6.0)),
        parents_higher=float(rng.uniform(7, 11)),
        distance=float(rng.uniform(62, 85)),
    )


def _effects(seed: int, muni: MunicipalityPlan) -> None:
    """School effects: context, profile, a random part; then the planted cases."""
    rng = stream(seed, "effects", muni.index)
    schools = muni.schools
    index = adversity([s.context for s in schools])
    bonus = {"lyceum": 0.45, "gymnasium": 0.40, "advanced": 0.25}
    raw = np.array(
        [
            -0.30 * index[k] + bonus.get(s.school_type, 0.0) + rng.normal(0, SCHOOL_SD)
            for k, s in enumerate(schools)
        ]
    )
    weights = np.array([s.cohort * s.top_grade for s in schools], dtype=float)
    raw -= np.average(raw, weights=weights)
    # Keep the unplanted schools clear of the planted low one: however hard its conditions,
    # no other school sits as low (a detector should find the planted school, not others).
    raw = np.maximum(raw, -0.7)
    for k, s in enumerate(schools):
        s.effect = float(muni.effect + raw[k])
        s.leniency = float(rng.normal(0, 0.08))
        s.year_effect = {y: s.effect + float(rng.normal(0, 0.07)) for y in YEARS}
    low = schools[muni.planted[LOW_RESULTS]]
    low.year_effect = {y: (-1.35 if y in muni.low_years else -0.6) + muni.effect for y in YEARS}
    res = schools[muni.planted[RESILIENT]]
    res.effect = 0.65 + muni.effect
    res.year_effect = {y: res.effect + float(rng.normal(0, 0.05)) for y in YEARS}


# ---------------------------------------------------------------------------------------
# Students


def _students(seed: int, muni: MunicipalityPlan, first_number: int) -> Students:
    """Every student enrolled in the municipality in at least one of the three years."""
    rng = stream(seed, "students", muni.index)
    parts: dict[str, list[np.ndarray]] = {
        k: []
        for k in ("school", "entry", "ability", "continues", "letter", "letter_hs", "disability")
    }
    first_entry = YEARS[0] - 10  # grade 11 in the first year
    for k, s in enumerate(muni.schools):
        ovz_rate = s.context["disability"] / 100
        for entry in range(first_entry, YEARS[-1] + 1):
            # Skip cohorts the school never teaches in the window.
            grades = [y - entry + 1 for y in YEARS]
            if max(grades) < 1 or min(grades) > s.top_grade:
                continue
            n = max(1, round(s.cohort * rng.uniform(0.85, 1.15)))
            disability = rng.random(n) < ovz_rate
            ability = rng.normal(0, 1, n) - 0.7 * disability
            c0, b = CONTINUE_TO_10
            continues = (s.top_grade == 11) & (
                rng.random(n) < 1 / (1 + np.exp(-(c0 + b * ability)))
            )
            n_cls = max(1, ceil(n / s.class_size))
            letter = rng.permutation(n) % n_cls
            n_hs = int(continues.sum())
            letter_hs = np.zeros(n, dtype=np.int64)
            if n_hs:
                n_cls_hs = max(1, ceil(n_hs / s.class_size))
                letter_hs[continues] = rng.permutation(n_hs) % n_cls_hs
            # keep only those enrolled in at least one year of the window
            keep = np.zeros(n, dtype=bool)
            for g in grades:
                if 1 <= g <= s.top_grade:
                    keep |= (g <= 9) | continues
            parts["school"].append(np.full(int(keep.sum()), k, dtype=np.int32))
            parts["entry"].append(np.full(int(keep.sum()), entry, dtype=np.int16))
            parts["ability"].append(ability[keep])
            parts["continues"].append(continues[keep])
            parts["letter"].append(letter[keep].astype(np.int8))
            parts["letter_hs"].append(letter_hs[keep].astype(np.int8))
            parts["disability"].append(disability[keep])
    cols = {k: np.concatenate(v) for k, v in parts.items()}
    cols["ability"] = cols["ability"].astype(np.float32)
    pseudonyms = _pseudonyms(seed, muni, cols["school"], cols["entry"], first_number)
    return Students(pseudonym=pseudonyms, **cols)


def _pseudonyms(
    seed: int, muni: MunicipalityPlan, school: np.ndarray, entry: np.ndarray, first_number: int
) -> pa.Array:
    """Names, birth dates and СНИЛС in memory only, turned into keyed pseudonyms."""
    rng = stream(seed, "identity", muni.index)
    n = len(school)
    female = rng.random(n) < 0.49
    non_native = (
        rng.random(n) < np.array([s.context["non_native"] / 100 for s in muni.schools])[school]
    )
    sur_ru = rng.integers(0, len(nm.SURNAMES), n)
    sur_other = rng.integers(0, len(nm.SURNAMES_OTHER), n)
    first_f = rng.integers(0, len(nm.FEMALE_NAMES), n)
    first_m = rng.integers(0, len(nm.MALE_NAMES), n)
    patr = rng.integers(0, len(nm.PATRONYMICS), n)
    older = rng.random(n) < 0.08
    day = rng.integers(0, 365, n)
    snils_numbers = 101_000_000 + (first_number + np.arange(n)) * 3 + rng.integers(0, 3, n)
    snils_check = nm.snils_checks(snils_numbers)
    fem_surnames = [nm.female_surname(s) for s in nm.SURNAMES]
    fem_other = [nm.female_surname(s) for s in nm.SURNAMES_OTHER]
    out: list[str] = []
    for i in range(n):
        f = bool(female[i])
        if non_native[i]:
            surname = (fem_other if f else nm.SURNAMES_OTHER)[sur_other[i]]
        else:
            surname = (fem_surnames if f else nm.SURNAMES)[sur_ru[i]]
        first = nm.FEMALE_NAMES[first_f[i]] if f else nm.MALE_NAMES[first_m[i]]
        patronymic = nm.PATRONYMICS[patr[i]][1 if f else 0]
        born = datetime.date(int(entry[i]) - 8 - int(older[i]), 9, 1) + datetime.timedelta(
            days=int(day[i])
        )
        out.append(
            student_pseudonym(
                surname,
                first,
                patronymic,
                born.isoformat(),
                nm.snils(int(snils_numbers[i]), int(snils_check[i])),
            )
        )
    return pa.array(out, pa.string())


# ---------------------------------------------------------------------------------------


def plan_region(seed: int, size: str = "municipality") -> RegionPlan:
    """The whole plan for ``seed`` and ``size`` ("municipality" or "region")."""
    count = SIZES[size]
    municipalities: list[MunicipalityPlan] = []
    number = 1
    first_student = 0
    for index in range(count):
        name, centre = nm.MUNICIPALITIES[index % len(nm.MUNICIPALITIES)]
        if index >= len(nm.MUNICIPALITIES):
            name = f"{name} ({index + 1})"
        order = stream(seed, "villages", index).permutation(len(nm.VILLAGES))
        villages = [nm.VILLAGES[int(i)] for i in order]
        schools, others = _organisations(seed, index, number, centre, villages)
        number += len(schools) + len(others)
        effect = 0.0 if index == 0 else float(stream(seed, "muni-effect", index).normal(0, 0.15))
        muni = MunicipalityPlan(index, name, centre, effect, schools, others)
        _plant(seed, muni)
        _effects(seed, muni)
        muni.students = _students(seed, muni, first_student)
        first_student += len(muni.students)
        municipalities.append(muni)
    return RegionPlan(seed, size, municipalities)


def class_profile(org: OrgPlan, letter: int) -> str:
    profiles = org.profile_10_11
    return profiles[letter % len(profiles)] if profiles else CLASS_PROFILES_10_11[0]
