"""Assemble a release directory: tables, card, Croissant, Data Package, manifest, checksums, then move it in.

The steps are plain functions so the ``publish`` Prefect flow can run each as a task;
``publish_release`` runs them in order without Prefect. Nothing reaches the target directory
until every step (validation included, unless skipped) has passed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from extract.errors import PublishError
from warehouse.card import render_card
from warehouse.croissant import croissant
from warehouse.datapackage import datapackage
from warehouse.db import connect
from warehouse.publish import (
    MANIFEST,
    ReleaseFacts,
    ReleaseOptions,
    check_target,
    export_tables,
    install_release,
    manifest,
    staging_dir,
    write_checksums,
    write_json,
)
from warehouse.release_check import validate_release


def export(db_path: Path, stage: Path, options: ReleaseOptions, *, wait_s: float = 0.0) -> ReleaseFacts:
    """Write the Parquet tables of ``db_path`` into ``stage`` (read-only; waits ``wait_s`` for a writer)."""
    con = connect(db_path, read_only=True, wait_s=wait_s)
    try:
        return export_tables(con, stage, options)
    finally:
        con.close()


def write_metadata(stage: Path, facts: ReleaseFacts) -> None:
    """``README.md``, ``croissant.json``, ``datapackage.json``, ``manifest.json``, then ``CHECKSUMS.sha256``."""
    (stage / "README.md").write_text(render_card(facts), encoding="utf-8")
    write_json(stage / "croissant.json", croissant(facts))
    write_json(stage / "datapackage.json", datapackage(facts))
    write_json(stage / MANIFEST, manifest(facts))
    write_checksums(stage)


def check(stage: Path) -> None:
    """Raise ``PublishError`` listing every problem the validators find in ``stage``."""
    problems = validate_release(stage)
    if problems:
        raise PublishError("the release does not validate:\n  " + "\n  ".join(problems[:50]))


def publish_release(
    db_path: Path,
    out: Path,
    options: ReleaseOptions,
    *,
    force: bool = False,
    validate: bool = True,
    wait_s: float = 0.0,
) -> ReleaseFacts:
    """Write the release of ``db_path`` to ``out``; refuses a target holding a release unless ``force``."""
    check_target(out, force=force)
    stage = staging_dir(out)
    try:
        facts = export(db_path, stage, options, wait_s=wait_s)
        write_metadata(stage, facts)
        if validate:
            check(stage)
        install_release(stage, out, force=force)
    finally:
        if stage.exists():
            shutil.rmtree(stage)
    return facts
