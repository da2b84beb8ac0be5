"""Prefect flows and the ``slant`` command line: the wiring of extract → transform → warehouse."""

__version__ = "0.1.0"
