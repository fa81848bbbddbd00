"""A background job and its progress, as the pages show it."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Job(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "В очереди"
        RUNNING = "running", "Выполняется"
        DONE = "done", "Завершено"
        FAILED = "failed", "Сбой"

    handler = models.CharField("обработчик", max_length=200)
    title = models.CharField("задание", max_length=500)
    params = models.JSONField("параметры", default=dict)
    status = models.CharField(
        "состояние", max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    done = models.PositiveBigIntegerField("выполнено (строк)", default=0)
    total = models.PositiveBigIntegerField("всего (строк)", null=True, blank=True)
    message = models.CharField("сообщение", max_length=1000, blank=True)
    result = models.JSONField("результат", default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="кто запустил", on_delete=models.CASCADE
    )
    created_at = models.DateTimeField("создано", auto_now_add=True)
    started_at = models.DateTimeField("начато", null=True, blank=True)
    finished_at = models.DateTimeField("закончено", null=True, blank=True)
    # the process running it (msoko.jobs.worker): a job of a process that died is marked
    # failed at the next start or by ``msoko doctor``, and may be repeated
    worker = models.CharField("обработчик (процесс)", max_length=200, blank=True)
    retry_of = models.ForeignKey(
        "self", verbose_name="повтор задания", null=True, blank=True,
        on_delete=models.SET_NULL, related_name="retries",
    )

    class Meta:
        verbose_name = "фоновое задание"
        verbose_name_plural = "фоновые задания"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int | None:
        if not self.total:
            return None
        return min(100, int(100 * self.done / self.total))
