"""The fact tables of the store and their Arrow schemas.

Every fact row carries ``batch_id`` (which import it came from), ``org_id`` (the
organisation, the key of the access guard), ``year`` (start year of the academic year) and
``procedure`` (a ``Procedure.code``); files are partitioned by procedure and year.
Types are plain Parquet types that DuckDB and Spark read alike (no unsigned integers,
no dictionaries in the schema, no nanosecond timestamps).
"""

from __future__ import annotations

import pyarrow as pa

_KEYS = [
    pa.field("batch_id", pa.int64(), nullable=False),
    pa.field("org_id", pa.int64(), nullable=False),
    pa.field("year", pa.int16(), nullable=False),
    pa.field("procedure", pa.string(), nullable=False),
]

TABLES: dict[str, pa.Schema] = {
    # One row per student and work: primary and test score, mark, journal mark, pass/fail, level.
    "student_results": pa.schema(
        [
            *_KEYS,
            pa.field("subject", pa.string()),
            pa.field("grade", pa.int8()),
            pa.field("student", pa.string(), nullable=False),
            pa.field("class_label", pa.string()),
            pa.field("variant", pa.int16()),
            pa.field("primary_score", pa.float64()),
            pa.field("test_score", pa.float64()),
            pa.field("mark", pa.int8()),
            pa.field("journal_mark", pa.int8()),
            pa.field("passed", pa.bool_()),
            pa.field("level", pa.string()),
        ]
    ),
    # One row per student, work and task: the score for that task.
    "task_scores": pa.schema(
        [
            *_KEYS,
            pa.field("subject", pa.string()),
            pa.field("grade", pa.int8()),
            pa.field("student", pa.string(), nullable=False),
            pa.field("task", pa.string(), nullable=False),
            pa.field("score", pa.float32()),
        ]
    ),
    # ВсОШ: one row per participant, stage and subject.
    "olympiad_results": pa.schema(
        [
            *_KEYS,
            pa.field("stage", pa.string(), nullable=False),
            pa.field("subject", pa.string()),
            pa.field("grade", pa.int8()),
            pa.field("student", pa.string(), nullable=False),
            pa.field("score", pa.float64()),
            pa.field("max_score", pa.float64()),
            pa.field("status", pa.string()),
            pa.field("venue", pa.string()),
            pa.field("answers", pa.string()),
        ]
    ),
    # School-level aggregates, when only aggregates exist (long form: one measure per row).
    "school_aggregates": pa.schema(
        [
            *_KEYS,
            pa.field("subject", pa.string()),
            pa.field("grade", pa.int8()),
            pa.field("measure", pa.string(), nullable=False),
            pa.field("value", pa.float64()),
        ]
    ),
    # Attendance (посещаемость): lessons missed, in particular without a valid reason; one row
    # per student (or per class when the file has no students) and period.
    "attendance": pa.schema(
        [
            *_KEYS,
            pa.field("grade", pa.int8()),
            pa.field("class_label", pa.string()),
            pa.field("student", pa.string()),
            pa.field("period", pa.string()),
            pa.field("lessons_total", pa.int32()),
            pa.field("lessons_missed", pa.int32()),
            pa.field("lessons_missed_unexcused", pa.int32()),
        ]
    ),
    # Graduates' destinations (career guidance, seed 002 §7.1): college / university / ...
    "destinations": pa.schema(
        [
            *_KEYS,
            pa.field("grade", pa.int8()),
            pa.field("class_label", pa.string()),
            pa.field("student", pa.string()),
            pa.field("destination", pa.string(), nullable=False),
            pa.field("profile", pa.string()),
            pa.field("is_target", pa.bool_()),
        ]
    ),
    # Medals «За особые успехи в учении»: first / second degree.
    "medals": pa.schema(
        [
            *_KEYS,
            pa.field("grade", pa.int8()),
            pa.field("class_label", pa.string()),
            pa.field("student", pa.string(), nullable=False),
            pa.field("medal", pa.string(), nullable=False),
        ]
    ),
}

# Measures of ``school_aggregates`` that the engine understands.
AGGREGATE_MEASURES = {
    "sat": "Число участников",
    "mean_score": "Средний балл",
    "count_mark_2": "Число отметок «2»",
    "count_mark_3": "Число отметок «3»",
    "count_mark_4": "Число отметок «4»",
    "count_mark_5": "Число отметок «5»",
    "mean_mark": "Средняя отметка",
    "share_mark_2": "Доля отметок «2», %",
    "share_mark_3": "Доля отметок «3», %",
    "share_mark_4": "Доля отметок «4», %",
    "share_mark_5": "Доля отметок «5», %",
    "share_quality": "Качество знаний (доля «4» и «5»), %",
    "share_success": "Успеваемость (доля «3»–«5»), %",
    "count_below_threshold": "Не преодолели минимальный порог",
    "count_160_plus": "Набрали 160 и более баллов по трём предметам",
    "count_220_plus": "Набрали 220 и более баллов по трём предметам",
}
