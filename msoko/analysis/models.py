"""Configuration of the analysis: overrides of the methodology per territory."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models


class MethodologySetting(models.Model):
    """Overrides of the built-in methodology (``msoko.analysis.methodology.Methodology``)
    for a region or a municipality; a row without a territory applies everywhere."""

    territory = models.OneToOneField(
        "registry.Territory",
        verbose_name="территория",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        help_text="Пусто — для всех территорий.",
    )
    overrides = models.JSONField(
        "изменённые параметры",
        default=dict,
        blank=True,
        help_text='Например {"low_share": 0.15, "element_basic_pct": 50}. '
        "Имена и значения по умолчанию — в руководстве «Анализ результатов».",
    )
    reason = models.CharField(
        "основание (документ)",
        max_length=500,
        blank=True,
        help_text="Приказ или методика, по которой изменены параметры.",
    )
    updated_at = models.DateTimeField("изменено", auto_now=True)

    class Meta:
        verbose_name = "настройка методики анализа"
        verbose_name_plural = "настройки методики анализа"

    def __str__(self) -> str:
        return f"Методика анализа: {self.territory or 'все территории'}"

    def clean(self) -> None:
        from msoko.analysis.methodology import Methodology, MethodologyError, apply_overrides

        try:
            apply_overrides(Methodology(), self.overrides or {})
        except MethodologyError as exc:
            raise ValidationError({"overrides": str(exc)}) from exc
