"""Writing the plan's registry to the database, and removing a previous demo.

Rows are bulk-created in batches (the region has some 400,000 students); per-row audit is
off for the whole demo (``DANGEROUS_unaudited``) and the demo writes one BULK row instead.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

import numpy as np
from django.db import connection, models, transaction
from django.db.models import ProtectedError, Q, RestrictedError

from msoko.access.models import User
from msoko.demo import content as ct
from msoko.demo import names as nm
from msoko.demo.rng import stream
from msoko.demo.specs import EXTRA_VPR_SCALES, EXTRA_VPR_SOURCE
from msoko.demo.world import (
    CURRENT_YEAR,
    LETTERS,
    LOW_RESULTS,
    REGION_CODE,
    REGION_NAME,
    YEARS,
    MunicipalityPlan,
    OrgPlan,
    RegionPlan,
    class_profile,
)
from msoko.facts.models import FactFile, ImportBatch, MarkScale, Procedure
from msoko.facts.store import store_root
from msoko.registry.models import (
    AcademicYear,
    CompetitionEntry,
    Course,
    DeficitDiagnostic,
    IndividualRoute,
    Mentoring,
    MethodAssociation,
    Organisation,
    OrganisationNameVariant,
    SchoolClass,
    SocialPassport,
    StaffMember,
    Student,
    Subject,
    Territory,
)

BATCH = 2000
M = TypeVar("M", bound=models.Model)


def _chunks(items: list[M], size: int = BATCH) -> Iterator[list[M]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def bulk(model: type[M], rows: list[M]) -> list[M]:
    """bulk_create in batches; returns the rows with their primary keys."""
    out: list[M] = []
    for part in _chunks(rows):
        out.extend(model._default_manager.bulk_create(part, batch_size=500))
    return out


# ---------------------------------------------------------------------------------------
# Years and scales


def ensure_years() -> dict[int, AcademicYear]:
    """The three academic years of the demo; the last one is the current year."""
    years: dict[int, AcademicYear] = {}
    for y in YEARS:
        year, _ = AcademicYear.objects.update_or_create(
            start_year=y,
            defaults={
                "starts_on": datetime.date(y, 9, 1),
                "ends_on": datetime.date(y + 1, 8, 31),
                "is_current": y == CURRENT_YEAR,
            },
        )
        years[y] = year
    AcademicYear.objects.exclude(start_year=CURRENT_YEAR).filter(is_current=True).update(
        is_current=False
    )
    return years


def ensure_extra_scales(years: Iterable[AcademicYear]) -> None:
    """ВПР scales of the subjects the reference data leaves out (grades 6–8 beyond Russian
    and maths); existing rows are left as they are."""
    vpr = Procedure.objects.get(code="VPR")
    subjects = {s.code: s for s in Subject.objects.all()}
    for year in years:
        for subject, grade, max_primary, c3, c4, c5 in EXTRA_VPR_SCALES:
            MarkScale.objects.get_or_create(
                procedure=vpr,
                subject=subjects[subject],
                grade=grade,
                year=year,
                defaults={
                    "max_primary": max_primary,
                    "mark_cuts": {"3": c3, "4": c4, "5": c5},
                    "source": EXTRA_VPR_SOURCE,
                },
            )


# ---------------------------------------------------------------------------------------
# Removing a previous demo


def _delete(qs: models.QuerySet[Any], depth: int = 0) -> int:
    """Delete ``qs``; rows of other apps that protect it (and so belong to the demo too) go
    first."""
    for _ in range(20):
        try:
            with transaction.atomic():
                return qs.delete()[0]
        except (ProtectedError, RestrictedError) as exc:
            if depth > 5:
                raise
            blockers = (
                exc.protected_objects if isinstance(exc, ProtectedError) else exc.restricted_objects
            )
            by_model: dict[type[models.Model], list[Any]] = defaultdict(list)
            for obj in blockers:
                by_model[type(obj)].append(obj.pk)
            for model, pks in by_model.items():
                _delete(model._default_manager.filter(pk__in=pks), depth + 1)
    return qs.delete()[0]


def _fast_delete(qs: models.QuerySet[Any], handled: set[type[models.Model]]) -> int:
    """A plain ``DELETE`` when every table that refers to the model has been emptied of the
    rows concerned (``handled``); otherwise Django's collector."""
    model = qs.model
    if all(rel.related_model in handled for rel in model._meta.related_objects):
        return int(qs._raw_delete(qs.db) or 0)
    return _delete(qs)


def cleanup_demo(usernames: Iterable[str]) -> dict[str, int]:
    """Remove the demo territory tree, its organisations and everything under them, the demo
    users and the fact batches (with their Parquet files) of the demo."""
    counts: dict[str, int] = {}
    region_ids = list(Territory.objects.filter(code=REGION_CODE).values_list("pk", flat=True))
    terr_ids = set(region_ids)
    for pk in region_ids:
        terr_ids.update(Territory.objects.get(pk=pk).descendant_ids())
    terr_ids.update(
        Territory.objects.filter(code__startswith="DEMO-M").values_list("pk", flat=True)
    )
    orgs = Organisation.objects.filter(
        Q(territory_id__in=terr_ids) | Q(code__regex=r"^DEMO-[0-9]+$")
    ).values("pk")

    batches = ImportBatch.objects.filter(Q(territory_id__in=terr_ids) | Q(source="demo"))
    root = store_root()
    files = 0
    for path in (
        FactFile.objects.filter(batch__in=batches).values_list("path", flat=True).iterator()
    ):
        (root / path).unlink(missing_ok=True)
        files += 1
    counts["fact_files"] = files
    counts["batches"] = _delete(
        ImportBatch.objects.filter(pk__in=list(batches.values_list("pk", flat=True)))
    )

    counts["users"] = _delete(
        User.objects.filter(
            Q(username__in=list(usernames))
            | Q(territory_id__in=terr_ids)
            | Q(organisation__in=orgs)
        )
    )
    with transaction.atomic():
        counts["students"] = _fast_delete(Student.objects.filter(organisation__in=orgs), set())
        _fast_delete(SchoolClass.objects.filter(organisation__in=orgs), {Student})
        staff = StaffMember.objects.filter(organisation__in=orgs).values("pk")
        associations = MethodAssociation.objects.filter(
            Q(territory_id__in=terr_ids) | Q(organisation__in=orgs)
        ).values("pk")
        MethodAssociation.members.through.objects.filter(
            Q(methodassociation__in=associations) | Q(staffmember__in=staff)
        )._raw_delete(MethodAssociation.objects.db)
        MethodAssociation.subjects.through.objects.filter(
            methodassociation__in=associations
        )._raw_delete(MethodAssociation.objects.db)
        StaffMember.subjects.through.objects.filter(staffmember__in=staff)._raw_delete(
            StaffMember.objects.db
        )
        for model in (Course, DeficitDiagnostic, IndividualRoute, CompetitionEntry):
            _fast_delete(model._default_manager.filter(staff__in=staff), set())
        _fast_delete(Mentoring.objects.filter(Q(mentor__in=staff) | Q(mentee__in=staff)), set())
        _fast_delete(
            MethodAssociation.objects.filter(
                pk__in=list(associations.values_list("pk", flat=True))
            ),
            set(),
        )
        counts["staff"] = _fast_delete(
            StaffMember.objects.filter(organisation__in=orgs),
            {
                Course,
                DeficitDiagnostic,
                IndividualRoute,
                Mentoring,
                MethodAssociation,
                CompetitionEntry,
            },
        )
        _fast_delete(SocialPassport.objects.filter(organisation__in=orgs), set())
        _fast_delete(OrganisationNameVariant.objects.filter(organisation__in=orgs), set())
    counts["organisations"] = _delete(
        Organisation.objects.filter(pk__in=list(orgs.values_list("pk", flat=True)))
    )
    municipalities = Territory.objects.filter(pk__in=terr_ids).exclude(pk__in=region_ids)
    counts["territories"] = _delete(municipalities) + _delete(
        Territory.objects.filter(pk__in=region_ids)
    )
    return counts


# ---------------------------------------------------------------------------------------
# The registry


@dataclass
class Registry:
    """What the facts need from the database: ids by plan objects."""

    region: Territory
    municipalities: list[Territory]
    org_ids: dict[int, int]  # OrgPlan.number → Organisation.pk
    years: dict[int, AcademicYear]
    counts: dict[str, int] = field(default_factory=dict)


def _share(x: float) -> Decimal:
    return Decimal(str(round(min(max(float(x), 0.0), 100.0), 2)))


def write_registry(plan: RegionPlan, years: dict[int, AcademicYear]) -> Registry:
    region = Territory.objects.create(
        kind=Territory.Kind.REGION, name=REGION_NAME, code=REGION_CODE
    )
    municipalities = [
        Territory.objects.create(
            kind=Territory.Kind.MUNICIPALITY, name=m.name, code=m.code, parent=region
        )
        for m in plan.municipalities
    ]
    orgs: list[Organisation] = []
    for m, terr in zip(plan.municipalities, municipalities, strict=True):
        for o in (*m.schools, *m.others):
            orgs.append(
                Organisation(
                    territory=terr,
                    kind=o.kind,
                    school_level=o.level,
                    short_name=o.name.short_name,
                    full_name=o.name.full_name,
                    ogrn=o.ogrn,
                    inn=o.inn,
                    code=o.code,
                    locality=o.locality,
                    is_small=o.is_small,
                    advanced_profile=o.advanced_profile,
                    address=o.address,
                    website=o.website,
                )
            )
    bulk(Organisation, orgs)
    org_ids = dict(
        Organisation.objects.filter(territory__in=municipalities).values_list("code", "pk")
    )
    by_number = {o.number: org_ids[o.code] for o in plan.organisations}
    reg = Registry(region, municipalities, by_number, years)
    bulk(
        OrganisationNameVariant,
        [
            OrganisationNameVariant(organisation_id=by_number[o.number], name=v)
            for o in plan.organisations
            for v in o.name.variants
        ],
    )
    reg.counts["organisations"] = len(orgs)
    reg.counts["schools"] = len(plan.schools)
    for m in plan.municipalities:
        _write_schools(plan.seed, m, reg)
    _write_staff(plan, reg)
    return reg


def _write_schools(seed: int, m: MunicipalityPlan, reg: Registry) -> None:
    """Social passports, classes and students of one municipality."""
    st = m.require_students()
    tops = m.top_grades()
    rng = stream(seed, "passports", m.index)
    passports: list[SocialPassport] = []
    classes: list[SchoolClass] = []
    last_year = np.zeros(len(st), dtype=np.int16)
    for y in YEARS:
        enrolled = st.enrolled(y, tops)
        last_year[enrolled] = y
        grade = st.grade(y)
        letter = st.letter_in(y)
        totals = np.bincount(st.school[enrolled], minlength=len(m.schools))
        ovz = np.bincount(st.school[enrolled & st.disability], minlength=len(m.schools))
        for k, s in enumerate(m.schools):
            c = s.context
            drift = rng.normal(0, 1, 5)
            passports.append(
                SocialPassport(
                    organisation_id=reg.org_ids[s.number],
                    year=reg.years[y],
                    students_total=int(totals[k]),
                    low_income_share=_share(c["low_income"] + drift[0]),
                    single_parent_share=_share(c["single_parent"] + drift[1]),
                    disability_share=_share(100 * ovz[k] / max(1, totals[k])),
                    non_native_share=_share(c["non_native"] + 0.4 * drift[2]),
                    preventive_registration_share=_share(c["preventive"] + 0.2 * drift[3]),
                    parents_higher_education_share=_share(c["parents_higher"] + drift[4]),
                    distance_to_centre_km=Decimal(str(round(c["distance"], 1))),
                )
            )
        keys = np.unique(
            np.stack([st.school[enrolled], grade[enrolled], letter[enrolled]], axis=1), axis=0
        )
        for k, g, lt in keys.tolist():
            org = m.schools[k]
            classes.append(
                SchoolClass(
                    organisation_id=reg.org_ids[org.number],
                    year=reg.years[y],
                    grade=g,
                    letter=LETTERS[lt],
                    profile=class_profile(org, lt) if g >= 10 else "",
                )
            )
    bulk(SocialPassport, passports)
    bulk(SchoolClass, classes)
    ids = {
        (org_id, year, grade, letter): pk
        for pk, org_id, year, grade, letter in SchoolClass.objects.filter(
            organisation_id__in=[reg.org_ids[s.number] for s in m.schools]
        ).values_list("pk", "organisation_id", "year__start_year", "grade", "letter")
    }
    org_of = np.array([reg.org_ids[s.number] for s in m.schools])
    last_grade = (last_year - st.entry + 1).astype(int)
    last_letter = np.where(last_grade >= 10, st.letter_hs, st.letter)
    pseudonyms = st.pseudonym.to_pylist()
    school_list = st.school.tolist()
    ly, lg, ll = last_year.tolist(), last_grade.tolist(), last_letter.tolist()
    disability = st.disability.tolist()
    rows = []
    for i in range(len(st)):
        org_id = int(org_of[school_list[i]])
        rows.append(
            (pseudonyms[i], org_id, ids[(org_id, ly[i], lg[i], LETTERS[ll[i]])], disability[i])
        )
    insert_students(rows)
    reg.counts["students"] = reg.counts.get("students", 0) + len(st)
    reg.counts["classes"] = reg.counts.get("classes", 0) + len(classes)
    reg.counts["passports"] = reg.counts.get("passports", 0) + len(passports)


STUDENT_COLUMNS = ("pseudonym", "organisation", "school_class", "has_disability")


def insert_students(rows: list[tuple[str, int, int, bool]]) -> None:
    """Insert (pseudonym, organisation id, class id, ОВЗ) rows. A plain multi-row INSERT
    when the table has just these columns (the region has ~500,000 students and the ORM's
    per-object work dominates); ``bulk_create`` otherwise."""
    meta = Student._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    if sorted(f.name for f in fields) != sorted(STUDENT_COLUMNS):
        for start in range(0, len(rows), 20000):
            Student.objects.bulk_create(
                [
                    Student(pseudonym=p, organisation_id=o, school_class_id=c, has_disability=d)
                    for p, o, c, d in rows[start : start + 20000]
                ],
                batch_size=1000,
            )
        return
    by_name = {f.name: f for f in fields}
    qn = connection.ops.quote_name
    columns = ", ".join(qn(by_name[name].column) for name in STUDENT_COLUMNS)
    per_statement = 200
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            part = rows[start : start + per_statement]
            values = ", ".join(["(%s, %s, %s, %s)"] * len(part))
            cursor.execute(
                f"INSERT INTO {qn(meta.db_table)} ({columns}) VALUES {values}",  # noqa: S608 - names from the model
                [v for row in part for v in row],
            )


# ---------------------------------------------------------------------------------------
# Staff


@dataclass
class _Teacher:
    obj: StaffMember
    subjects: tuple[str, ...]
    org: OrgPlan


def _teacher_count(org: OrgPlan, students: int) -> int:
    if org.level == "primary":
        return max(2, round(students / 8))
    if org.level == "basic":
        return max(7, round(students / 7))
    if org.locality == "rural":
        return max(12, round(students / 9))
    return max(20, round(students / 14))


def _write_staff(plan: RegionPlan, reg: Registry) -> None:
    subjects = {s.code: s for s in Subject.objects.all()}
    weights = np.array([w for w, _ in ct.SPECIALITIES], dtype=float)
    weights /= weights.sum()
    teachers: list[_Teacher] = []
    for m in plan.municipalities:
        st = m.require_students()
        tops = m.top_grades()
        totals = np.bincount(st.school[st.enrolled(CURRENT_YEAR, tops)], minlength=len(m.schools))
        for k, org in enumerate(m.schools):
            rng = stream(plan.seed, "staff", org.number)
            n = _teacher_count(org, int(totals[k]))
            n_deputies = 0 if org.is_small else (1 if org.locality == "rural" or n < 30 else 3)
            for i in range(n):
                female = rng.random() < 0.85
                age = int(np.clip(rng.normal(48, 11), 22, 72))
                experience = int(np.clip(age - 22 - rng.integers(0, 9), 0, 50))
                if org.planted == LOW_RESULTS and rng.random() < 0.25:
                    experience = min(experience, int(rng.integers(0, 4)))  # staff turnover
                if experience < 2:
                    category = StaffMember.Category.NONE
                else:
                    category = rng.choice(
                        [
                            StaffMember.Category.NONE,
                            StaffMember.Category.CONFORMITY,
                            StaffMember.Category.FIRST,
                            StaffMember.Category.HIGHEST,
                        ],
                        p=[0.05, 0.25, 0.35, 0.35] if experience >= 10 else [0.2, 0.45, 0.3, 0.05],
                    )
                if org.level == "primary":
                    speciality: tuple[str, ...] = ("ru", "math", "env")
                else:
                    speciality = ct.SPECIALITIES[int(rng.choice(len(weights), p=weights))][1]
                position = StaffMember.Position.TEACHER
                if i == 0:
                    position = StaffMember.Position.DIRECTOR
                    experience = max(experience, 12)
                    category = StaffMember.Category.HIGHEST
                elif i <= n_deputies:
                    position = StaffMember.Position.DEPUTY
                    experience = max(experience, 8)
                teachers.append(
                    _Teacher(
                        StaffMember(
                            organisation_id=reg.org_ids[org.number],
                            full_name=nm.person_name(rng, female=female),
                            position=position,
                            category=str(category),
                            experience_years=experience,
                            birth_year=CURRENT_YEAR - age,
                            is_young_specialist=experience <= 3 and age <= 35,
                        ),
                        speciality,
                        org,
                    )
                )
    created = bulk(StaffMember, [t.obj for t in teachers])
    for t, obj in zip(teachers, created, strict=True):
        if obj.pk is None:  # a database that does not return ids from bulk inserts
            raise RuntimeError("bulk_create did not return primary keys")
        t.obj = obj
    through = StaffMember.subjects.through
    bulk(
        through,
        [
            through(staffmember_id=t.obj.pk, subject_id=subjects[code].pk)
            for t in teachers
            for code in t.subjects
        ],
    )
    reg.counts["staff"] = len(teachers)
    _write_development(plan, reg, teachers)
    _write_associations(plan, reg, teachers, subjects)


def _write_development(plan: RegionPlan, reg: Registry, teachers: list[_Teacher]) -> None:
    """Courses, deficit diagnostics, ИОМ, mentoring and competitions over the three years."""
    courses: list[Course] = []
    diagnostics: list[DeficitDiagnostic] = []
    routes: list[IndividualRoute] = []
    mentoring: list[Mentoring] = []
    competitions: list[CompetitionEntry] = []
    by_org: dict[int, list[_Teacher]] = defaultdict(list)
    for t in teachers:
        by_org[t.org.number].append(t)
    areas = list(DeficitDiagnostic.Area)
    for number, staff in by_org.items():
        rng = stream(plan.seed, "development", number)
        low = staff[0].org.planted == LOW_RESULTS
        for y in YEARS:
            year = reg.years[y]
            seniors = [
                t
                for t in staff
                if t.obj.experience_years - (CURRENT_YEAR - y) >= 10
                and t.obj.category in ("first", "highest")
            ]
            for t in staff:
                exp_y = t.obj.experience_years - (CURRENT_YEAR - y)
                if exp_y < 0:
                    continue
                if rng.random() < 0.35:
                    courses.append(
                        Course(
                            staff=t.obj,
                            title=ct.COURSE_TITLES[int(rng.integers(len(ct.COURSE_TITLES)))],
                            provider=ct.COURSE_PROVIDERS[
                                int(rng.integers(len(ct.COURSE_PROVIDERS)))
                            ],
                            hours=int(rng.choice(ct.COURSE_HOURS)),
                            completed_on=datetime.date(y, 10, 1)
                            + datetime.timedelta(days=int(rng.integers(0, 240))),
                            from_federal_register=bool(rng.random() < 0.4),
                        )
                    )
                if rng.random() < (0.8 if low else 0.3):
                    area = areas[int(rng.integers(len(areas)))]
                    score = float(np.clip(rng.normal(57 if low else 69, 12), 15, 100))
                    found = ""
                    if score < 75:
                        options = ct.DEFICITS[area.value]
                        picked = rng.choice(
                            len(options), size=min(len(options), 1 + int(score < 55)), replace=False
                        )
                        found = "; ".join(options[int(i)] for i in picked)
                    diagnostics.append(
                        DeficitDiagnostic(
                            staff=t.obj,
                            year=year,
                            area=area.value,
                            score_percent=Decimal(str(round(score, 1))),
                            deficits=found,
                        )
                    )
                    if score < 62 and found:
                        goal = ct.ROUTE_GOALS[areas.index(area)].format(d=found)
                        if y < CURRENT_YEAR:
                            status = (
                                IndividualRoute.Status.DONE
                                if rng.random() < 0.8
                                else IndividualRoute.Status.IN_PROGRESS
                            )
                        else:
                            status = (
                                IndividualRoute.Status.IN_PROGRESS
                                if rng.random() < 0.7
                                else IndividualRoute.Status.PLANNED
                            )
                        routes.append(
                            IndividualRoute(staff=t.obj, year=year, goal=goal, status=status)
                        )
                if exp_y <= 3 and seniors:
                    same = [s for s in seniors if set(s.subjects) & set(t.subjects)] or seniors
                    mentor = same[int(rng.integers(len(same)))]
                    if mentor is not t:
                        mentoring.append(
                            Mentoring(
                                mentor=mentor.obj,
                                mentee=t.obj,
                                year=year,
                                form="опытный педагог — молодой специалист",
                            )
                        )
                if rng.random() < 0.03:
                    level = rng.choice(["municipal", "regional", "federal"], p=[0.75, 0.22, 0.03])
                    result = rng.choice(["participant", "prize", "winner"], p=[0.65, 0.25, 0.10])
                    competitions.append(
                        CompetitionEntry(
                            staff=t.obj,
                            year=year,
                            name=ct.COMPETITIONS[int(rng.integers(len(ct.COMPETITIONS)))],
                            level=str(level),
                            result=str(result),
                        )
                    )
    bulk(Course, courses)
    bulk(DeficitDiagnostic, diagnostics)
    bulk(IndividualRoute, routes)
    bulk(Mentoring, mentoring)
    bulk(CompetitionEntry, competitions)
    reg.counts.update(
        courses=len(courses),
        diagnostics=len(diagnostics),
        routes=len(routes),
        mentoring=len(mentoring),
        competitions=len(competitions),
    )


def _write_associations(
    plan: RegionPlan, reg: Registry, teachers: list[_Teacher], subjects: dict[str, Subject]
) -> None:
    """РМО per subject group in each municipality; ШМО in the large urban schools."""
    by_muni: dict[int, list[_Teacher]] = defaultdict(list)
    for t in teachers:
        by_muni[t.org.muni].append(t)
    members_through = MethodAssociation.members.through
    subjects_through = MethodAssociation.subjects.through
    associations: list[tuple[MethodAssociation, list[_Teacher], tuple[str, ...]]] = []
    for m, terr in zip(plan.municipalities, reg.municipalities, strict=True):
        rng = stream(plan.seed, "rmo", m.index)
        staff = by_muni[m.index]
        for name, codes in ct.DISTRICT_ASSOCIATIONS:
            members = [t for t in staff if set(t.subjects) & set(codes)]
            if not members:
                continue
            leaders = [
                t for t in members if t.obj.category == "highest" and t.org.locality == "urban"
            ]
            leader = (leaders or members)[int(rng.integers(len(leaders or members)))]
            associations.append(
                (
                    MethodAssociation(
                        level=MethodAssociation.Level.DISTRICT,
                        name=name,
                        territory=terr,
                        leader=leader.obj,
                    ),
                    members,
                    codes,
                )
            )
        by_school: dict[int, list[_Teacher]] = defaultdict(list)
        for t in staff:
            by_school[t.org.number].append(t)
        for number, school_staff in by_school.items():
            if len(school_staff) < 30:
                continue
            for name, codes in (
                ("ШМО учителей начальных классов", ("env",)),
                ("ШМО учителей гуманитарного цикла", ("ru", "lit", "hist", "soc", "eng")),
                (
                    "ШМО учителей естественно-математического цикла",
                    ("math", "inf", "phys", "chem", "bio", "geo"),
                ),
            ):
                members = [t for t in school_staff if set(t.subjects) & set(codes)]
                if not members:
                    continue
                associations.append(
                    (
                        MethodAssociation(
                            level=MethodAssociation.Level.SCHOOL,
                            name=name,
                            organisation_id=reg.org_ids[number],
                            leader=members[int(rng.integers(len(members)))].obj,
                        ),
                        members,
                        codes,
                    )
                )
    created = bulk(MethodAssociation, [a for a, _, _ in associations])
    bulk(
        members_through,
        [
            members_through(methodassociation_id=a.pk, staffmember_id=t.obj.pk)
            for a, (_, members, _) in zip(created, associations, strict=True)
            for t in members
        ],
    )
    bulk(
        subjects_through,
        [
            subjects_through(methodassociation_id=a.pk, subject_id=subjects[c].pk)
            for a, (_, _, codes) in zip(created, associations, strict=True)
            for c in codes
        ],
    )
    reg.counts["associations"] = len(associations)
