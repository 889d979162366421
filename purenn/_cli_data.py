"""Subcommands of the purenn command line (see purenn.cli)."""


def register(subparsers):
    """Add this module's subcommands to subparsers."""
