"""What the intake keeps besides the facts: saved column mappings and the registry changes
of each import (so that registry kinds can be rolled back like fact batches)."""

from __future__ import annotations

from django.db import models


class ColumnMapping(models.Model):
    """A mapping of a file's headers to the fields of a data kind, saved for the next file
    of the same shape. Found by name (``--mapping``) or by the header signature."""

    name = models.CharField("название", max_length=100, unique=True)
    kind = models.CharField("вид данных", max_length=64)
    signature = models.CharField(
        "подпись заголовков", max_length=64, db_index=True,
        help_text="SHA-256 нормализованных заголовков файла",
    )
    columns = models.JSONField(
        "соответствие столбцов", default=dict,
        help_text='Заголовок файла (нормализованный) → поле: {"passer under 160": "count_160_plus"}',
    )
    note = models.TextField("пояснение", blank=True)
    is_preset = models.BooleanField("поставляется с msoko", default=False)
    created_at = models.DateTimeField("создано", auto_now_add=True)

    class Meta:
        verbose_name = "сопоставление столбцов"
        verbose_name_plural = "сопоставления столбцов"
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class RegistryChange(models.Model):
    """One registry object an import created or changed; a rollback undoes them in reverse."""

    batch = models.ForeignKey(
        "facts.ImportBatch", on_delete=models.CASCADE, related_name="registry_changes"
    )
    model = models.CharField("модель", max_length=100)
    object_id = models.BigIntegerField("объект")
    before = models.JSONField("до загрузки", null=True, blank=True)

    class Meta:
        verbose_name = "изменение справочника при загрузке"
        verbose_name_plural = "изменения справочников при загрузке"
        ordering = ["batch", "pk"]

    def __str__(self) -> str:
        return f"{self.model}#{self.object_id}"
