"""Problems found in an incoming file: where (file, sheet, row, column, value) and why."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

MAX_KEPT = 1000


@dataclass(frozen=True)
class Problem:
    reason: str
    file: str = ""
    sheet: str = ""
    row: int | None = None
    column: str = ""
    value: str = ""
    is_error: bool = True

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        where = [self.file]
        if self.sheet:
            where.append(f"лист «{self.sheet}»")
        if self.row is not None:
            where.append(f"строка {self.row}")
        if self.column:
            where.append(f"столбец «{self.column}»")
        head = ", ".join(w for w in where if w)
        value = f" значение «{self.value}»:" if self.value != "" else ""
        kind = "ошибка" if self.is_error else "предупреждение"
        return f"{head}:{value} {self.reason} ({kind})"


@dataclass
class Problems:
    """Errors and warnings, the first ``MAX_KEPT`` of each kept, all of them counted."""

    file: str = ""
    sheet: str = ""
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    error_total: int = 0
    warning_total: int = 0

    def add(
        self,
        reason: str,
        *,
        row: int | None = None,
        column: str = "",
        value: Any = "",
        error: bool = True,
    ) -> None:
        p = Problem(
            reason, self.file, self.sheet, row, column, "" if value is None else str(value)[:200],
            error,
        )
        if error:
            self.error_total += 1
            if len(self.errors) < MAX_KEPT:
                self.errors.append(p)
        else:
            self.warning_total += 1
            if len(self.warnings) < MAX_KEPT:
                self.warnings.append(p)

    def add_rows(
        self,
        mask: np.ndarray,
        reason: str,
        *,
        rows: np.ndarray,
        column: str = "",
        values: Any = None,
        error: bool = True,
    ) -> None:
        """Report every row where ``mask`` is true; only the first few become objects."""
        idx = np.flatnonzero(mask)
        if not len(idx):
            return
        room = MAX_KEPT - len(self.errors if error else self.warnings)
        for i in idx[: max(room, 0)]:
            value = values[i] if values is not None else ""
            self.add(reason, row=int(rows[i]), column=column, value=value, error=error)
        extra = len(idx) - max(min(room, len(idx)), 0)
        if error:
            self.error_total += extra
        else:
            self.warning_total += extra

    @property
    def has_errors(self) -> bool:
        return self.error_total > 0
