"""``msoko serve``: the web app on a production-grade WSGI server (waitress), with the
background-job consumer (huey, SQLite file) in threads of the same process.

Static files (including htmx and ECharts from node_modules) are served by WhiteNoise.

Stopping (docs/adr/0027-server-stop.md): SIGTERM or SIGINT (Ctrl+C) stops taking requests
and jobs; requests in progress get up to 5 s (waitress), a running job up to
``MSOKO_STOP_GRACE`` seconds (default 7) to finish. A job still running then is left as a
crash leaves it — its transaction is never committed — and the process exits; the next start
(or ``msoko doctor --fix``) marks it interrupted, to be repeated from its page, and redoes an
interrupted computation. A second signal exits at once.

huey's consumer, started inside this process, used to replace the signal handlers with ones
that only set a flag nobody read here: the server ignored SIGTERM and the first Ctrl+C.
``start_consumer`` now puts ours back.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand

log = logging.getLogger("msoko.serve")


class Stop(SystemExit):
    """Raised in the main thread by the first SIGTERM/SIGINT; waitress' loop ends on it."""


def _grace() -> float:
    try:
        return max(0.0, float(os.environ.get("MSOKO_STOP_GRACE", "7")))
    except ValueError:
        return 7.0


def serve(
    host: str = "127.0.0.1", port: int = 8000, threads: int = 8, *, worker: bool = True,
    out: Any = None,
) -> int:
    """Serve until SIGTERM or SIGINT; returns the exit code (0: stopped cleanly)."""
    from waitress.server import create_server

    from msoko.ops.doctor import recover
    from msoko.wsgi import application

    say = out.write if out is not None else (lambda _s: None)
    # clean up after a crash before answering: a worker started here also redoes dead runs
    try:
        recover(redo=False)
    except Exception:  # e.g. a database not migrated yet: serve anyway, msoko doctor tells
        log.exception("clean-up at start failed")
    server = create_server(application, host=host, port=port, threads=threads)
    consumer = None
    if worker:
        from msoko.jobs.queue import start_consumer

        consumer = start_consumer()
    stopping: dict[str, float] = {}

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        if stopping:  # a second signal: stop now
            say(f"msoko: сигнал {signal.Signals(signum).name} повторно — немедленный выход")
            _flush()
            os._exit(1)
        stopping["at"] = time.monotonic()
        say(f"msoko: получен {signal.Signals(signum).name}, остановка…")
        raise Stop(0)

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, on_signal)
    try:
        server.run()  # returns after Stop: waitress shuts its request threads down (≤ 5 s)
    finally:
        server.close()  # the listening socket: the port is free from here
    if consumer is not None:
        from msoko.jobs.queue import stop_consumer

        grace = max(0.0, _grace() - (time.monotonic() - stopping.get("at", time.monotonic())))
        if not stop_consumer(consumer, grace):
            say(
                f"msoko: задание не завершилось за {_grace():g} с и прервано; "
                "при следующем запуске оно будет отмечено прерванным (его можно повторить)"
            )
            _flush()
            os._exit(0)  # the job's thread must not hold the exit up (nor atexit joins)
    say("msoko: остановлен")
    return 0


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: S110 - exiting anyway
            pass


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
        self.stdout.flush()
        code = serve(host, port, worker=not no_worker, out=_Line(self.stdout))
        if code:
            raise SystemExit(code)


class _Line:
    """Writes a line and flushes it at once (the log of a stopping server must not be lost)."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()
