"""Front-end libraries are served by the application itself (WhiteNoise), never a CDN."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client


@pytest.mark.parametrize(
    ("url", "marker"),
    [
        ("/static/vendor/htmx/htmx.min.js", b"htmx"),
        ("/static/vendor/echarts/echarts.min.js", b"echarts"),
        ("/static/web/msoko.css", b"--c-brand"),
        ("/static/web/msoko.js", b"initCharts"),
    ],
)
def test_static_files_come_from_the_app(
    client: Client, settings: Any, url: str, marker: bytes
) -> None:
    assert settings.DEBUG is False  # served by WhiteNoise, not by Django's debug view
    response = client.get(url)
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert marker in body[:200_000]


def test_pages_reference_no_other_host(client: Client, world: Any) -> None:
    client.force_login(world.bob)
    for url in ("/", "/organisations/", f"/organisations/{world.school_a.pk}/", "/login/"):
        page = client.get(url).content.decode()
        assert "http://" not in page and "https://" not in page and "//cdn" not in page
