"""What validation looks up in the registry: organisations, subjects, scales, task specs,
and the pseudonyms of students (computed once per distinct identity)."""

from __future__ import annotations

import hashlib
import hmac
from collections import defaultdict
from typing import Any

import numpy as np
from django.conf import settings

from msoko.facts.models import Assessment, MarkScale, Procedure, TaskSpec
from msoko.intake.headers import norm
from msoko.registry.models import AcademicYear, Organisation, OrganisationNameVariant, Subject
from msoko.registry.pseudonym import identity_message

SUBJECT_ALIASES = {
    "русский": "ru", "рус яз": "ru", "математика профильная": "math_profile",
    "профильная математика": "math_profile", "математика профиль": "math_profile",
    "математика п": "math_profile", "математика базовая": "math_base",
    "базовая математика": "math_base", "математика б": "math_base", "английский": "eng",
    "иностранный язык английский": "eng", "общество": "soc", "окр мир": "env",
    "чтение": "read", "естественнонаучная грамотность": "sci",
}


class OrgIndex:
    """Organisations by ОГРН, ИНН, internal code and normalised names (with variants)."""

    def __init__(self, allowed: frozenset[int] | None) -> None:
        self.allowed = allowed
        self.by_code: dict[str, dict[str, int]] = {"ogrn": {}, "inn": {}, "org_code": {}}
        self.by_name: dict[str, set[int]] = defaultdict(set)
        self.names: dict[int, str] = {}
        for pk, ogrn, inn, code, short, full in Organisation.objects.values_list(
            "pk", "ogrn", "inn", "code", "short_name", "full_name"
        ):
            self.names[pk] = short
            if ogrn:
                self.by_code["ogrn"][ogrn] = pk
            if inn:
                self.by_code["inn"][inn] = pk
            self.by_code["org_code"][norm(code)] = pk
            for name in (short, full):
                if name:
                    self.by_name[norm(name)].add(pk)
        for pk, name in OrganisationNameVariant.objects.values_list("organisation_id", "name"):
            self.by_name[norm(name)].add(pk)

    def lookup(self, column: str, value: str) -> int:
        """The organisation's id; -1 unknown, -2 ambiguous (a name of several)."""
        if column == "org_name":
            ids = self.by_name.get(norm(value), set())
            if len(ids) > 1:
                return -2
            return next(iter(ids)) if ids else -1
        key = norm(value) if column == "org_code" else "".join(ch for ch in value if ch.isdigit())
        found = self.by_code[column].get(key, -1)
        if found == -1 and column == "org_code":  # a name in the code column
            return self.lookup("org_name", value)
        return found

    def candidates(self, value: str) -> str:
        ids = sorted(self.by_name.get(norm(value), set()))
        return "; ".join(f"{self.names[i]} (id {i})" for i in ids)


class Subjects:
    def __init__(self) -> None:
        self.codes: dict[str, str] = {}
        for code, name in Subject.objects.values_list("code", "name"):
            self.codes[norm(code)] = code
            self.codes[norm(name)] = code
        for alias, code in SUBJECT_ALIASES.items():
            self.codes.setdefault(norm(alias), code)

    def lookup(self, value: str) -> str | None:
        return self.codes.get(norm(value))


class Pseudonyms:
    """Pseudonyms of the identities seen so far (HMAC once per distinct identity)."""

    def __init__(self) -> None:
        self.cache: dict[str, str] = {}
        # The keyed state of student_pseudonym, built once and copied per identity: the same
        # digest as student_pseudonym(*parts), at a fraction of the cost.
        self._keyed = hmac.new(settings.PSEUDONYM_KEY.encode(), digestmod=hashlib.sha256)

    def of(self, identity: str) -> str:
        p = self.cache.get(identity)
        if p is None:
            h = self._keyed.copy()
            h.update(identity_message(identity.split("\x1f")))
            p = h.hexdigest()[:32]
            self.cache[identity] = p
        return p


class Specs:
    """Mark scales and task maxima of one procedure and year, cached per subject and grade."""

    def __init__(self, procedure: Procedure | None, year: AcademicYear | None) -> None:
        self.procedure = procedure
        self.year = year
        self._scales: dict[tuple[str, int | None], Any] = {}
        self._tasks: dict[tuple[str, int | None], dict[str, float] | None] = {}

    def scale(self, subject: str, grade: int | None) -> tuple[np.ndarray, np.ndarray] | None:
        key = (subject, grade)
        if key not in self._scales:
            found = None
            if self.procedure is not None and self.year is not None:
                qs = MarkScale.objects.filter(
                    procedure=self.procedure, subject__code=subject, year=self.year
                )
                row = qs.filter(grade=grade).first() or qs.filter(grade__isnull=True).first()
                if row is not None and row.mark_cuts:
                    cuts = row._cuts()
                    found = (
                        np.array([s for _, s in cuts], dtype=np.float64),
                        np.array([2] + [m for m, _ in cuts], dtype=np.int64),
                    )
            self._scales[key] = found
        return self._scales[key]

    def tasks(self, subject: str, grade: int | None) -> dict[str, float] | None:
        key = (subject, grade)
        if key not in self._tasks:
            found = None
            if self.procedure is not None and self.year is not None:
                a = Assessment.objects.filter(
                    procedure=self.procedure, subject__code=subject, grade=grade, year=self.year
                ).first()
                if a is not None:
                    specs = dict(TaskSpec.objects.filter(assessment=a).values_list("number", "max_score"))
                    found = {str(k): float(v) for k, v in specs.items()} or None
            self._tasks[key] = found
        return self._tasks[key]
