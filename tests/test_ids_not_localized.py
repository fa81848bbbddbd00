"""Identifiers are printed as they are: with the Russian thousands separator on, a pk of
1274 must not become «1 274» in a data attribute, an option value or a batch number
(a bug the PostgreSQL run found once its sequences passed 1,000)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from msoko.facts.models import ImportBatch
from msoko.registry.models import Organisation
from tests.conftest import client_for


@pytest.mark.django_db
def test_big_ids_are_not_localized(world: Any) -> None:
    big = Organisation.objects.create(
        pk=123456, territory=world.municipality, short_name="МБОУ СОШ № 77", full_name="Школа 77", code="S77"
    )
    bob = client_for(world.bob)
    queue = bob.get(reverse("collect:queue")).content.decode()
    assert f'data-organisation="{big.pk}"' in queue
    assert f'<option value="{big.pk}"' in queue
    ImportBatch.objects.create(pk=4321, kind="social_passport", scope=[big.pk], file_name="f.csv")
    journal = bob.get(reverse("intake:batches")).content.decode()
    assert 'data-batch="4321"' in journal and "<td>4321</td>" in journal
    for page in (queue, journal):
        assert "123\u00a0456" not in page and "4\u00a0321" not in page
