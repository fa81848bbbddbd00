"""The ``msoko`` command line.

``msoko <command> ...`` runs msoko's management commands (``demo``, ``serve``, and later
``import``, ``compute``, ``analyse``) and every standard Django command (``migrate``,
``createsuperuser``, ...), with the msoko settings already in place.

Whatever a command changes is attributed in the audit log to the person at the keyboard:
«ОС: <user>» (the operating-system account), or «ОС: <user>, MSOKO_USER=<name>» when the
environment names an msoko user. Commands that act for an msoko user (``--user`` of
``import``, ``accounts``...) set their own actor inside.
"""

from __future__ import annotations

import getpass
import os
import sys
from typing import Any


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "msoko.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        args = ["help"]
    with command_line_actor():
        execute_from_command_line(["msoko", *args])
    return 0


def os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name (a container without one): the uid
        return f"uid {os.getuid()}"


def actor_label() -> str:
    """How the audit log names whoever runs a command."""
    from msoko.access.audit import OS_PREFIX

    named = os.environ.get("MSOKO_USER", "").strip()
    return f"{OS_PREFIX}{os_user()}, MSOKO_USER={named}" if named else f"{OS_PREFIX}{os_user()}"


def command_line_actor() -> Any:
    from msoko.access.audit import acting_as

    return acting_as(None, label=actor_label())
