"""``msoko serve``: the web app on a production-grade WSGI server (waitress), with the
background-job consumer (huey, SQLite file) in threads of the same process.

Static files (including htmx and ECharts from node_modules) are served by WhiteNoise.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand


def serve(
    host: str = "127.0.0.1", port: int = 8000, threads: int = 8, *, worker: bool = True
) -> None:
    from waitress import serve as waitress_serve

    from msoko.wsgi import application

    consumer = None
    if worker:
        from msoko.jobs.queue import start_consumer

        consumer = start_consumer()
    try:
        waitress_serve(application, host=host, port=port, threads=threads)
    finally:
        if consumer is not None:
            consumer.stop(graceful=True)


class Command(BaseCommand):
    help = "Запустить веб-приложение msoko (по умолчанию http://127.0.0.1:8000)"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="не запускать обработчик фоновых заданий (если он запущен отдельно: msoko run_huey)",
        )

    def handle(self, *args: Any, host: str, port: int, no_worker: bool, **options: Any) -> None:
        self.stdout.write(f"msoko: http://{host}:{port}/  (Ctrl+C — остановить)")
        serve(host, port, worker=not no_worker)
