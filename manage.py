#!/usr/bin/env python
import os
import sys
from pathlib import Path


def _checkout_defaults() -> None:
    """A checkout with no .env and neither DEBUG nor SECRET_KEY in the environment is a developer's fresh
    clone: its management commands (check, makemigrations, test helpers) run with DEBUG on instead of
    stopping at the missing SECRET_KEY. Production always sets SECRET_KEY (docker-compose requires it),
    and the web server (config.wsgi) never takes this default: it still refuses to start without one."""
    if (Path(__file__).resolve().parent / ".env").exists():
        return
    if "DEBUG" not in os.environ and "SECRET_KEY" not in os.environ:
        os.environ["DEBUG"] = "1"


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    _checkout_defaults()
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
