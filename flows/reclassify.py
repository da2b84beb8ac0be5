"""The ``reclassify`` flow: relabel stored posts with another loaded-language model, offline.

Each batch also gets stances toward the configured targets and its leaning, with the settings'
stance and leaning models (``transform.opinion``), written beside other versions' rows.

Nothing is fetched and nothing is deleted: the new model's rows (``sentence_scores``,
``loaded_spans``, ``post_scores``) are written beside the old versions', one transaction per
batch, and the model joins the ``models`` registry. Posts already labelled by this model
version are skipped, so an interrupted run resumes where it stopped (``force`` relabels all).
"""

from __future__ import annotations

import time
import uuid
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flows.prefect_env import configure

configure()

from prefect import flow, task  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402

from flows.nightly import OpinionModels, opinion_models_for, targets_of  # noqa: E402
from flows.settings import load_settings  # noqa: E402
from flows.version import code_version  # noqa: E402
from transform.defaults import load_leaning_labeller, load_stance_labeller  # noqa: E402
from transform.labelling import StoredPost, load_labeller, relabel  # noqa: E402
from transform.opinion import label_opinions  # noqa: E402
from warehouse.db import open_warehouse  # noqa: E402
from warehouse.labels import PostOpinions, RegisteredModel, refresh_model_ratings, write_labels  # noqa: E402
from warehouse.load import finish_run, start_run  # noqa: E402
from warehouse.loaded import PostLabels, register_model, relabel_batch, stored_posts  # noqa: E402
from warehouse.runlock import run_lock  # noqa: E402


@task(cache_policy=NO_CACHE, task_run_name="relabel-{label}")
def relabel_task(label: str, posts: list[StoredPost], model_dir: Path) -> list[PostLabels]:
    """Label one batch of stored posts (see ``transform.labelling.relabel``)."""
    labeller = load_labeller(model_dir, model_dir.parent)
    return [PostLabels(pid, labeller.version, labels) for pid, labels in relabel(posts, labeller)]


@task(cache_policy=NO_CACHE, task_run_name="opinions-{label}")
def opinions_task(label: str, posts: list[StoredPost], models: OpinionModels) -> list[PostOpinions]:
    """Stances toward the targets and leaning of one batch of stored posts."""
    stance = load_stance_labeller(models.stance_dir, models.stance_dir.parent)
    leaning = load_leaning_labeller(models.leaning_dir, models.leaning_dir.parent)
    targets = targets_of(models).targets
    out = []
    for p in posts:
        labels = label_opinions(p.text, p.sentences, p.voices, p.quotes, targets, stance, leaning)
        out.append(PostOpinions(p.post_id, labels.stances, labels.leaning))
    return out


@flow(name="reclassify", log_prints=True)
def reclassify(
    model_dir: str | None = None,
    db_path: str | None = None,
    config_file: str | None = None,
    sources: list[str] | None = None,
    force: bool = False,
    overrides: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Relabel every live post (of ``sources``, or all) with the model in ``model_dir``.

    ``model_dir`` ``None`` uses the settings' ``loaded_model`` (or the shipped default).
    """
    from prefect.runtime import flow_run

    settings = load_settings(Path(config_file) if config_file else None, **{**(overrides or {}), "db_path": db_path})
    labeller = load_labeller(Path(model_dir) if model_dir else settings.loaded_model, settings.models_dir)
    opinions = opinion_models_for(settings)
    stance = load_stance_labeller(opinions.stance_dir, opinions.stance_dir.parent)
    leaning = load_leaning_labeller(opinions.leaning_dir, opinions.leaning_dir.parent)
    run_id = str(flow_run.id or uuid.uuid4())
    started = time.monotonic()
    lock = ExitStack()
    lock.enter_context(run_lock(settings.db_path, "reclassify"))  # released in the finally below
    try:
        con = open_warehouse(settings.db_path, wait_s=settings.db_lock_wait_s, memory_limit=settings.db_memory_limit)
    except BaseException:
        lock.close()
        raise
    counts = {"batches": 0, "posts": 0, "spans": 0}
    status = "failed"
    try:
        now = datetime.now(UTC)
        start_run(con, run_id, "reclassify", code_version(), now)
        register_model(con, labeller.version, "loaded", labeller.path, labeller.card(), now)
        batches = stored_posts(
            con,
            batch_size=settings.batch_size,
            sources=sources,
            skip_version=None if force else labeller.version,
        )
        for number, batch in enumerate(batches):
            items = relabel_task(str(number), batch, labeller.path)
            relabel_batch(con, items, datetime.now(UTC))
            write_labels(
                con,
                opinions_task(str(number), batch, opinions),
                targets=targets_of(opinions).targets,
                stance_model=RegisteredModel(stance.version, "stance", str(stance.path), stance.card()),
                leaning_model=RegisteredModel(leaning.version, "leaning", str(leaning.path), leaning.card()),
                now=datetime.now(UTC),
            )
            counts["batches"] += 1
            counts["posts"] += len(items)
            counts["spans"] += sum(len(i.labels.spans) for i in items)
        source_ids = [r[0] for r in con.execute("SELECT source_id FROM sources").fetchall()]
        refresh_model_ratings(con, leaning.version, sources or source_ids, datetime.now(UTC))
        status = "completed"
    finally:
        summary = {
            "run_id": run_id,
            "status": status,
            "model_version": labeller.version,
            **counts,
            "seconds": round(time.monotonic() - started, 2),
        }
        try:
            finish_run(con, run_id, status, summary)
            con.close()
        finally:
            lock.close()
    print(
        f"reclassify {status}: {counts['posts']} posts relabelled with {labeller.version} "
        f"({counts['spans']} loaded spans) in {summary['seconds']} s"
    )
    return summary
