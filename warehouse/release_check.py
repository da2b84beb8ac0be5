"""Check a release the way its users will: checksums, Croissant (mlcroissant) and Data Package (frictionless).

Both validators come with the ``publish`` extra (``pip install 'slant[publish]'``; the lock file
installs them). They work offline: the Croissant context is inline and Frictionless's profiles
ship with it. ``mlcroissant`` also reads the first record of every record set, so a glob or a
column name that does not match the files is caught, not just a malformed document.
"""

from __future__ import annotations

import itertools
import logging
from pathlib import Path

from extract.errors import PublishError
from warehouse.publish import verify_checksums


def _missing(package: str, exc: ImportError) -> PublishError:
    return PublishError(
        f"validating a release needs {package} ({exc}); install slant[publish], or publish with --no-validate"
    )


def validate_croissant(path: Path) -> list[str]:
    """Problems ``mlcroissant`` finds in the Croissant file at ``path`` (empty when valid)."""
    try:
        import mlcroissant as mlc
    except ImportError as exc:  # pragma: no cover - the lock installs it
        raise _missing("mlcroissant", exc) from exc
    logging.getLogger("absl").setLevel(logging.ERROR)  # mlcroissant logs every file it opens
    try:
        dataset = mlc.Dataset(jsonld=path)
    except mlc.ValidationError as exc:
        return [line for line in str(exc).splitlines() if line.strip()]
    problems = [f"warning: {w}" for w in sorted(dataset.metadata.ctx.issues.warnings)]
    for record_set in dataset.metadata.record_sets:
        try:
            list(itertools.islice(dataset.records(record_set.uuid), 1))
        except Exception as exc:  # mlcroissant raises many kinds; each is a broken record set
            problems.append(f"record set {record_set.name}: cannot read a record: {exc}")
    return problems


def validate_datapackage(path: Path) -> list[str]:
    """Problems ``frictionless`` finds in the Data Package at ``path``, every row checked (empty when valid)."""
    try:
        import frictionless
    except ImportError as exc:  # pragma: no cover - the lock installs it
        raise _missing("frictionless", exc) from exc
    report = frictionless.validate(str(path))
    if report.valid:
        return []
    problems = [f"{e.type}: {e.message}" for e in report.errors]
    for task in report.tasks:
        problems += [f"{task.name}: {e.type}: {e.message}" for e in task.errors]
    return problems


def validate_release(root: Path) -> list[str]:
    """Every problem with the release at ``root``: checksums, ``croissant.json``, ``datapackage.json``."""
    problems = [f"checksums: {p}" for p in verify_checksums(root)]
    problems += [f"croissant.json: {p}" for p in validate_croissant(root / "croissant.json")]
    problems += [f"datapackage.json: {p}" for p in validate_datapackage(root / "datapackage.json")]
    return problems
