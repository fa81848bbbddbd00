"""The ``msoko`` command line.

``msoko <command> ...`` runs msoko's management commands (``demo``, ``serve``, and later
``import``, ``compute``, ``analyse``) and every standard Django command (``migrate``,
``createsuperuser``, ...), with the msoko settings already in place.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "msoko.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        args = ["help"]
    execute_from_command_line(["msoko", *args])
    return 0
