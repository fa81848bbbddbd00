#!/usr/bin/env python
"""Django's command-line utility for msoko."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "msoko.settings")
    from django.core.management import execute_from_command_line

    from msoko.cli import command_line_actor

    with command_line_actor():  # the audit log names the OS user (see msoko.cli)
        execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
