"""The ``publish`` Prefect flow: write a versioned dataset release of the warehouse.

Four tasks, each a thin wrapper over a plain function in ``warehouse.release``: export the
Parquet tables (read-only; waits ``db_lock_wait_s`` for a nightly run to release the file),
write the card, Croissant, Data Package, manifest and checksums, validate, and move the finished
release into place. Deployed (``prefect.yaml``) without a schedule: releases are cut by hand.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

from flows.prefect_env import configure

configure()

from prefect import flow, task  # noqa: E402
from prefect.artifacts import create_markdown_artifact  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.states import Failed  # noqa: E402

from extract.errors import SlantError  # noqa: E402
from flows.settings import Settings, load_settings  # noqa: E402
from flows.version import code_version  # noqa: E402
from warehouse.publish import ReleaseFacts, ReleaseOptions, check_target, install_release, staging_dir  # noqa: E402
from warehouse.release import check, export, write_metadata  # noqa: E402
from warehouse.takedown import read_takedown  # noqa: E402

# Expected failures (a held database, a release that does not validate, a target that holds a
# release) end the task and the flow as Failed with their message, not a traceback in the log;
# the caller still gets the exception raised.


@task(cache_policy=NO_CACHE, task_run_name="export-tables")
def export_task(db_path: Path, stage: Path, options: ReleaseOptions, wait_s: float) -> ReleaseFacts:
    try:
        return export(db_path, stage, options, wait_s=wait_s)
    except SlantError as exc:
        return Failed(message=str(exc), data=exc)  # type: ignore[return-value]


@task(cache_policy=NO_CACHE, task_run_name="write-metadata")
def metadata_task(stage: Path, facts: ReleaseFacts) -> None:
    write_metadata(stage, facts)


@task(cache_policy=NO_CACHE, task_run_name="validate-release")
def validate_task(stage: Path) -> None:
    try:
        check(stage)
    except SlantError as exc:
        return Failed(message=str(exc), data=exc)  # type: ignore[return-value]
    return None


@task(cache_policy=NO_CACHE, task_run_name="install-release")
def install_task(stage: Path, out: Path, force: bool) -> None:
    try:
        install_release(stage, out, force=force)
    except SlantError as exc:
        return Failed(message=str(exc), data=exc)  # type: ignore[return-value]
    return None


def release_options(settings: Settings, version: str, text: str | None, takedown_file: Path | None) -> ReleaseOptions:
    """The options of one release, from the settings and what the caller chose."""
    return ReleaseOptions(
        version=version,
        text_policy=text or settings.release_text,
        excerpt_chars=settings.release_excerpt_chars,
        takedown=read_takedown(takedown_file or settings.takedown_file),
        code_version=code_version(),
        name=settings.release_name,
        license=settings.release_license,
        homepage=settings.release_homepage,
    )


@flow(name="publish", log_prints=True)
def publish(
    out_dir: str,
    version: str,
    db_path: str | None = None,
    text: str | None = None,
    force: bool = False,
    validation: bool = True,
    takedown_file: str | None = None,
    config_file: str | None = None,
    overrides: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Write release ``version`` of the warehouse to ``out_dir``; ``text`` is full, excerpt or none.

    Refuses a directory that already holds a release unless ``force``; ``validation`` runs
    mlcroissant and frictionless on the release before it is moved into place. ``overrides`` are
    settings that win over the file and the environment.
    """
    started = time.monotonic()
    try:
        return _publish(
            out_dir, version, db_path, text, force, validation, takedown_file, config_file, overrides, started
        )
    except SlantError as exc:
        return Failed(message=str(exc), data=exc)  # type: ignore[return-value]  # the caller gets exc raised


def _publish(
    out_dir: str,
    version: str,
    db_path: str | None,
    text: str | None,
    force: bool,
    validation: bool,
    takedown_file: str | None,
    config_file: str | None,
    overrides: dict[str, Any] | None,
    started: float,
) -> dict[str, Any]:
    settings = load_settings(Path(config_file) if config_file else None, **{**(overrides or {}), "db_path": db_path})
    options = release_options(settings, version, text, Path(takedown_file) if takedown_file else None)
    out = Path(out_dir)
    check_target(out, force=force)
    stage = staging_dir(out)
    try:
        facts = export_task(settings.db_path, stage, options, settings.db_lock_wait_s)
        metadata_task(stage, facts)
        if validation:
            validate_task(stage)
        install_task(stage, out, force)
    finally:
        if stage.exists():
            shutil.rmtree(stage)
    tables = {t.name: t.rows for t in facts.tables}
    summary = {
        "release": version,
        "out_dir": str(out),
        "text_policy": options.text_policy,
        "tables": tables,
        "files": sum(len(t.files) for t in facts.tables),
        "validated": validation,
        "seconds": round(time.monotonic() - started, 2),
    }
    create_markdown_artifact(
        key="publish-report",
        markdown=f"# Release {version}\n\n- directory: `{out}`\n- text policy: {options.text_policy}\n"
        + "".join(f"- {name}: {rows:,} rows\n" for name, rows in tables.items()),
        description=f"Release {version}",
    )
    return summary
