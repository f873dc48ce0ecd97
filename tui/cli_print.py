"""CLI commands: the print outbox and label files."""

from __future__ import annotations

import click


def register(main: click.Group) -> None:
    """Add this module's commands to the ``wareterm`` group."""
