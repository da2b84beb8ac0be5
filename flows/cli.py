"""The ``slant`` command line.

Every path argument is taken relative to the caller's working directory; nothing depends on
being run from the repository. Prefect is imported only by the sub-commands that run flows, so
``slant sql`` answers in well under a second.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable, Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import Any, TextIO

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from extract.errors import ConfigError, SlantError
from flows import __version__

console = Console(soft_wrap=True)
# Which --dataset values each trainable task reads.
TRAIN_DATASETS = {
    "loaded": ("babe", "ptc", "jsonl"),
    "stance": ("newsmtsc", "ibm", "jsonl"),
    "leaning": ("allsides", "hyperpartisan", "jsonl"),
}
err_console = Console(stderr=True, soft_wrap=True)


def _path(value: str) -> Path:
    return Path(value).expanduser().resolve()


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=_path, help="settings file (default: $SLANT_CONFIG or ./slant.toml)")
    parser.add_argument("--db", type=_path, help="DuckDB warehouse file (default: settings db_path)")


def _add_embedding_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--embedding-cache",
        type=_path,
        default=_path("data/embeddings"),
        metavar="DIR",
        help="cache of sentence embeddings, for models trained with --embeddings (default data/embeddings)",
    )
    parser.add_argument("--threads", type=int, default=1, help="torch threads for sentence embeddings (default 1)")


def _encoder_settings(args: argparse.Namespace) -> Any:
    from transform.embeddings import EncoderSettings

    return EncoderSettings(threads=args.threads, cache_dir=args.embedding_cache)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="slant",
        description="Build a media-bias dataset from political blogs: crawl, extract, label, store in DuckDB.",
        epilog="Settings come from slant.toml and SLANT_* variables; see docs/settings.md.",
    )
    parser.add_argument("--version", action="version", version=f"slant {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "nightly",
        help="run the nightly flow once, without a Prefect server",
        description="Crawl every source in FILE, extract and label new or changed posts, load DuckDB.",
    )
    p.add_argument("--sources", type=_path, required=True, metavar="FILE", help="sources YAML file")
    p.add_argument(
        "--backfill", action="store_true", help="walk each blog's archives (API pages, paged feeds, sitemaps)"
    )
    p.add_argument("--since", metavar="DATE", help="with --backfill: go back to this ISO date (e.g. 2026-01-01)")
    _add_common(p)

    p = sub.add_parser(
        "demo",
        help="serve the sample blogosphere on 127.0.0.1 and run the nightly flow on it",
        description="The offline demo: starts the project's sample blogs on loopback, runs nightly, "
        "prints a summary and example queries.",
    )
    p.add_argument("--db", type=_path, default=_path("data/demo.duckdb"), help="warehouse (default data/demo.duckdb)")

    p = sub.add_parser(
        "sql",
        help="run a SQL query against the warehouse, or open a SQL shell on it (read-only)",
        description="Run QUERY against the warehouse and print the result; with no QUERY, open an interactive "
        "SQL shell (or run the statements piped to standard input). The views post_labels, post_stances, "
        "source_daily, loaded_terms and run_health are described in docs/schema.md.",
    )
    p.add_argument("query", nargs="?", help='SQL text, e.g. "select count(*) from posts"; omit for the shell')
    p.add_argument(
        "--format",
        choices=("table", "csv", "json", "parquet"),
        default="table",
        help="output format (default table); parquet needs --out",
    )
    p.add_argument("--out", type=_path, metavar="FILE", help="write the result to FILE instead of standard output")
    p.add_argument("--write", action="store_true", help="open read-write (default read-only)")
    _add_common(p)

    p = sub.add_parser(
        "report",
        help="render the warehouse as one offline HTML page with charts",
        description="Write one self-contained HTML file (scripts, styles and data inline; opens with no network): "
        "overview, loaded language per source and voice over time, stance per target and source, top loaded "
        "terms and their trend, a per-source table and the last 14 nights' run health. Each chart shows its "
        "query, to rerun with slant sql. See docs/report.md.",
    )
    p.add_argument(
        "--out", type=_path, metavar="FILE", help="HTML file to write (default: setting report_path, by the database)"
    )
    p.add_argument("--since", metavar="DATE", help="only posts from this UTC day on (ISO date, e.g. 2026-01-01)")
    p.add_argument("--sources", nargs="+", metavar="ID", help="only these sources (ids, space- or comma-separated)")
    p.add_argument("--targets", nargs="+", metavar="ID", help="only these stance targets (ids)")
    _add_common(p)

    p = sub.add_parser(
        "publish",
        help="write a versioned dataset release (Parquet, dataset card, Croissant, Data Package)",
        description="Write release VERSION of the warehouse to DIR: Parquet tables, README.md (dataset card and "
        "datasheet), croissant.json, datapackage.json, manifest.json and CHECKSUMS.sha256. Runs the publish "
        "flow; see docs/publishing.md.",
    )
    p.add_argument("--out", type=_path, required=True, metavar="DIR", help="release directory (new or empty)")
    p.add_argument(
        "--version",
        required=True,
        metavar="V",
        help="release version, MAJOR.MINOR.PATCH as Croissant requires, e.g. 2026.1.0",
    )
    p.add_argument(
        "--text",
        choices=("full", "excerpt", "none"),
        help="how much post text to include (default: setting release_text, excerpt)",
    )
    p.add_argument("--takedown", type=_path, metavar="FILE", help="takedown list (default: setting takedown_file)")
    p.add_argument("--force", action="store_true", help="replace a release already in DIR")
    p.add_argument("--no-validate", action="store_true", help="skip the Croissant and Data Package validation")
    _add_common(p)

    p = sub.add_parser(
        "diff-release",
        help="rows added, removed and relabelled per table between two releases",
        description="Compare two release directories table by table, matching rows on each table's key.",
    )
    p.add_argument("old", type=_path, metavar="OLD")
    p.add_argument("new", type=_path, metavar="NEW")
    p.add_argument("--format", choices=("table", "json"), default="table", help="output format (default table)")

    p = sub.add_parser(
        "reprocess",
        help="rebuild posts from the raw archive, offline",
        description="Re-extract and re-label every archived post with the current code, reading the WARC "
        "archive only (no network).",
    )
    p.add_argument("--source", action="append", metavar="ID", help="only this source (repeatable)")
    _add_common(p)

    p = sub.add_parser(
        "reclassify",
        help="relabel stored posts with another loaded-language model, offline",
        description="Label every live post again with the model in DIR, without fetching anything; the "
        "older model versions' labels stay in the warehouse and the views pick the newest.",
    )
    p.add_argument("--model", type=_path, metavar="DIR", help="model directory (default: settings loaded_model)")
    p.add_argument("--source", action="append", metavar="ID", help="only this source (repeatable)")
    p.add_argument("--force", action="store_true", help="relabel posts this model version has labelled already")
    _add_common(p)

    p = sub.add_parser(
        "extract",
        help="clean pages given as JSON lines (the nightly flow's cleaner)",
        description='Read JSON lines {"id", "url", "html"} and write the cleaned post of each as JSON lines: '
        "title, authors, dates, language, tags, access, text, paragraphs and sentences with voice and speaker.",
    )
    p.add_argument("--input", type=_path, metavar="FILE", help="read this file instead of standard input")
    p.add_argument("--output", type=_path, metavar="FILE", help="write this file instead of standard output")

    p = sub.add_parser(
        "classify",
        help="loaded language, stance toward targets and leaning per post, with voice (JSON lines in and out)",
        description='Read JSON lines {"id", "text", "targets"?} (or the output of slant extract) and write sentences, '
        "loaded spans and scores with their voice, stances toward the line's targets (or --targets FILE, or the "
        "settings' targets file) with evidence sentences, and the post's leaning. "
        "`slant extract | slant classify` works as a pipe.",
    )
    p.add_argument("--loaded-model", type=_path, metavar="DIR", help="a model directory (default: the shipped one)")
    p.add_argument("--stance-model", type=_path, metavar="DIR", help="a stance model directory (default: shipped)")
    p.add_argument("--leaning-model", type=_path, metavar="DIR", help="a leaning model directory (default: shipped)")
    p.add_argument("--targets", type=_path, metavar="FILE", help='targets YAML for lines without their own "targets"')
    p.add_argument("--input", type=_path, metavar="FILE", help="read this file instead of standard input")
    p.add_argument("--output", type=_path, metavar="FILE", help="write this file instead of standard output")
    p.add_argument("--config", type=_path, help="settings file (loaded_model, models_dir)")
    _add_embedding_options(p)

    p = sub.add_parser(
        "train",
        help="train a model (loaded language, stance, leaning)",
        description="Train a model directory with its model card. loaded: --dataset babe|ptc|jsonl; "
        "stance: newsmtsc|ibm|jsonl; leaning: allsides|hyperpartisan|jsonl.",
    )
    p.add_argument("task", choices=tuple(TRAIN_DATASETS), help="what to train")
    p.add_argument(
        "--dataset",
        required=True,
        choices=sorted({d for ds in TRAIN_DATASETS.values() for d in ds}),
        help="which reader (per task, see above)",
    )
    p.add_argument(
        "--path",
        required=True,
        help="BABE CSV; the SemEval-2020 Task 11 (PTC) folder of article*.txt and *TC.labels; a NewsMTSC, IBM, "
        "AllSides or hyperpartisan JSON-lines file; or the project's JSON lines (file, dir or glob)",
    )
    p.add_argument("--out", type=_path, required=True, metavar="DIR")
    p.add_argument(
        "--embeddings",
        action="store_true",
        help="add MiniLM sentence embeddings as features (needs the slant[embeddings] extra)",
    )
    _add_embedding_options(p)

    p = sub.add_parser(
        "check-targets",
        help="validate a targets file",
        description="Validate FILE and list its targets; exits 2 with every problem if invalid.",
    )
    p.add_argument("file", type=_path)

    p = sub.add_parser(
        "migrate",
        help="create or upgrade the warehouse schema",
        description="Apply pending schema migrations to the warehouse, keeping its rows.",
    )
    _add_common(p)

    p = sub.add_parser(
        "check-sources",
        help="validate a sources file",
        description="Validate FILE and list its sources; exits 2 with every problem if invalid.",
    )
    p.add_argument("file", type=_path)

    p = sub.add_parser(
        "serve-sample",
        help="serve the sample blogosphere until interrupted",
        description="Serve the sample blogs on 127.0.0.1 and write their sources file, e.g. for a "
        "deployment run against a local Prefect server.",
    )
    p.add_argument("--sources-out", type=_path, required=True, metavar="FILE", help="where to write the sources file")
    p.add_argument("--day", type=int, default=0, help="which night of the sample's history to serve (0 or 1)")
    return parser


def _table(columns: list[str], rows: list[tuple[Any, ...]], title: str | None = None) -> Table:
    table = Table(title=title, title_justify="left", show_lines=False)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    return table


def print_result(columns: list[str], rows: list[tuple[Any, ...]], title: str | None = None) -> None:
    console.print(_table(columns, rows, title))


def _render_table(result: Any, out: TextIO) -> None:
    target = console if out is sys.stdout else Console(file=out, soft_wrap=True, width=200)
    target.print(_table(result.columns, result.rows))


def _cmd_sql(args: argparse.Namespace) -> int:
    from extract.errors import ConfigError
    from flows.settings import load_settings
    from warehouse.query import export_parquet, run_query, to_csv, to_json

    settings = load_settings(args.config, db_path=args.db)
    if args.query is None:
        return _sql_shell(settings.db_path, args)
    if args.format == "parquet":
        if args.out is None:
            raise ConfigError("--format parquet writes a file: give it with --out FILE")
        rows = export_parquet(settings.db_path, args.query, args.out, write=args.write)
        err_console.print(f"{rows} rows written to {args.out}", highlight=False)
        return 0
    result = run_query(settings.db_path, args.query, write=args.write)
    with args.out.open("w", encoding="utf-8") if args.out else nullcontext(sys.stdout) as out:
        if args.format == "csv":
            out.write(to_csv(result))
        elif args.format == "json":
            out.write(to_json(result))
        else:
            _render_table(result, out)
    return 0


def _sql_shell(db_path: Path, args: argparse.Namespace) -> int:
    from extract.errors import ConfigError
    from warehouse.shell import run_shell

    if args.format == "parquet" or args.out is not None:
        raise ConfigError("the shell prints its results; --format parquet and --out need a QUERY")
    interactive = sys.stdin.isatty()
    read: Callable[[str], str]
    if interactive:
        import readline  # noqa: F401  (line editing and history for input())

        read = input
    else:
        read = _line_reader(sys.stdin)

    return run_shell(
        db_path,
        read=read,
        out=sys.stdout,
        err=sys.stderr,
        render_table=_render_table,
        write=args.write,
        interactive=interactive,
        mode=args.format,
    )


def _line_reader(stream: TextIO) -> Callable[[str], str]:
    """``input``-like reading of ``stream`` for a script piped to the shell: no prompt, ``EOFError`` at the end."""
    lines = iter(stream)

    def read(_prompt: str) -> str:
        try:
            return next(lines).rstrip("\n")
        except StopIteration:
            raise EOFError from None

    return read


def _cmd_publish(args: argparse.Namespace) -> int:
    from flows.settings import load_settings
    from warehouse.db import connect
    from warehouse.publish import ReleaseOptions, check_target
    from warehouse.takedown import read_takedown

    # Problems found before Prefect starts are reported plainly and at once.
    settings = load_settings(args.config, db_path=args.db)
    ReleaseOptions(version=args.version)  # a version Croissant would refuse
    check_target(args.out, force=args.force)
    read_takedown(args.takedown or settings.takedown_file)
    connect(settings.db_path, read_only=True, wait_s=settings.db_lock_wait_s).close()

    from flows.publish import publish

    summary = publish(
        str(args.out),
        args.version,
        str(args.db) if args.db else None,
        args.text,
        args.force,
        not args.no_validate,
        str(args.takedown) if args.takedown else None,
        str(args.config) if args.config else None,
    )
    console.print(
        f"[bold]release {summary['release']}[/bold] written to {summary['out_dir']} in {summary['seconds']} s "
        f"(text {summary['text_policy']}, {summary['files']} Parquet files"
        + (", validated" if summary["validated"] else ", not validated")
        + ")"
    )
    print_result(["table", "rows"], [(name, f"{rows:,}") for name, rows in summary["tables"].items()])
    return 0


def _cmd_diff_release(args: argparse.Namespace) -> int:
    import dataclasses
    import json

    from warehouse.diff import diff_releases

    diff = diff_releases(args.old, args.new)
    if args.format == "json":
        sys.stdout.write(json.dumps(dataclasses.asdict(diff), indent=2, sort_keys=True) + "\n")
        return 0
    console.print(f"[bold]{diff.old_release}[/bold] ({args.old}) -> [bold]{diff.new_release}[/bold] ({args.new})")
    for task in sorted(set(diff.old_models) | set(diff.new_models)):
        old, new = diff.old_models.get(task, []), diff.new_models.get(task, [])
        if old != new:
            console.print(f"{task} models: {', '.join(old) or 'none'} -> {', '.join(new) or 'none'}")
    print_result(
        ["table", "old rows", "new rows", "added", "removed", "relabelled / changed"],
        [
            (
                t.table,
                f"{t.old_rows:,}",
                f"{t.new_rows:,}",
                f"{t.added:,}",
                f"{t.removed:,}",
                f"{t.changed:,} {t.change_kind}",
            )
            for t in diff.tables
        ],
    )
    return 0


def _cmd_migrate(args: argparse.Namespace) -> int:
    from flows.settings import load_settings
    from warehouse.db import connect, migrate, schema_version

    settings = load_settings(args.config, db_path=args.db)
    con = connect(settings.db_path, wait_s=settings.db_lock_wait_s)
    try:
        applied = migrate(con)
        console.print(f"{settings.db_path}: schema version {schema_version(con)}; applied {applied or 'nothing'}")
    finally:
        con.close()
    return 0


def _cmd_check_sources(args: argparse.Namespace) -> int:
    from extract.sources import load_sources

    sources = load_sources(args.file)
    console.print(f"{args.file}: {len(sources)} sources, all valid")
    return 0


def print_summary(summary: dict[str, Any]) -> None:
    """The human summary of one nightly run."""
    posts = summary["posts"]
    console.print(
        f"[bold]nightly {summary['status']}[/bold] in {summary['seconds']} s: {summary['sources']} sources, "
        f"{summary['requests']} requests ({summary['not_modified']} not modified, {summary['bytes']:,} bytes)"
    )
    console.print(
        f"posts: [green]{posts['new']} new[/green], {posts['updated']} updated, {posts['unchanged']} unchanged, "
        f"{posts['deleted']} deleted; errors: {sum(summary['errors_by_kind'].values())} fetch, "
        f"{posts['extraction_failures']} extraction"
    )
    if posts["new"] == 0 and posts["updated"] == 0:
        console.print("Nothing new since the last run.")
    for line in summary["errors"][:10]:
        console.print(f"  [yellow]![/yellow] {line}")
    report = summary.get("report")
    if report:
        console.print(
            f"report: could not be written ({report['error']})" if report.get("error") else f"report: {report['path']}",
            highlight=False,
        )


def run_flow(
    settings_overrides: dict[str, Any],
    config: Path | None,
    sources_file: Path,
    *,
    backfill: bool = False,
    since: str | None = None,
) -> dict[str, Any]:
    from flows.prefect_env import configure

    configure()  # before prefect is imported: it reads its settings once, at import
    from prefect.task_runners import ThreadPoolTaskRunner

    from extract.sources import load_sources
    from flows.nightly import nightly
    from flows.settings import load_settings
    from warehouse.runlock import ensure_free

    settings = load_settings(config, **settings_overrides)
    load_sources(sources_file)  # a bad file is reported here, plainly, before Prefect starts
    ensure_free(settings.db_path, "nightly")  # so is a run already in progress
    runner: ThreadPoolTaskRunner[Any] = ThreadPoolTaskRunner(max_workers=settings.max_hosts_in_parallel)
    flow_run = nightly.with_options(task_runner=runner)  # type: ignore[arg-type]
    extra = {k: v for k, v in settings_overrides.items() if k != "db_path" and v is not None}
    return flow_run(  # type: ignore[no-any-return]
        str(sources_file), str(settings.db_path), str(config) if config else None, extra or None, backfill, since
    )


def _cmd_nightly(args: argparse.Namespace) -> int:
    from flows.progress import RichProgress

    with RichProgress(console):
        summary = run_flow({"db_path": args.db}, args.config, args.sources, backfill=args.backfill, since=args.since)

    print_summary(summary)
    return 0 if summary["status"] == "completed" else 1


def _cmd_reclassify(args: argparse.Namespace) -> int:
    from flows.reclassify import reclassify
    from flows.settings import load_settings

    settings = load_settings(args.config, db_path=args.db)
    summary = reclassify(
        str(args.model) if args.model else None,
        str(settings.db_path),
        str(args.config) if args.config else None,
        args.source,
        args.force,
    )
    console.print(
        f"reclassify {summary['status']} in {summary['seconds']} s: {summary['posts']} posts relabelled with "
        f"{summary['model_version']} ({summary['spans']} loaded spans)"
    )
    return 0 if summary["status"] == "completed" else 1


def _cmd_reprocess(args: argparse.Namespace) -> int:
    from flows.reprocess import reprocess
    from flows.settings import load_settings

    settings = load_settings(args.config, db_path=args.db)
    summary = reprocess(str(settings.db_path), str(args.config) if args.config else None, args.source)
    console.print(
        f"reprocess {summary['status']} in {summary['seconds']} s: {summary['runs']} runs replayed, "
        f"{summary['pages']} pages, "
        f"{summary['new']} new, {summary['updated']} updated, {summary['unchanged']} unchanged, "
        f"{summary['failures']} failures"
    )
    for line in summary["errors"][:10]:
        console.print(f"  [yellow]![/yellow] {line}")
    return 0 if summary["status"] == "completed" else 1


def _pipe_json_lines(
    args: argparse.Namespace, command: str, run: Callable[[Iterable[str], str], Iterable[dict[str, Any]]]
) -> int:
    """Feed ``--input`` (or stdin) lines to ``run`` and write its records to ``--output`` (or stdout).

    Records carrying an ``error`` are written too (so output lines match input lines) and reported
    on stderr; the exit code is 1 when any line failed.
    """
    import json

    source = str(args.input) if args.input else "<stdin>"
    failures = 0
    with (
        args.input.open(encoding="utf-8") if args.input else sys.stdin as lines,
        args.output.open("w", encoding="utf-8") if args.output else sys.stdout as out,
    ):
        for record in run(lines, source):
            if "error" in record:
                failures += 1
                err_console.print(f"[yellow]slant {command}:[/yellow] {record['error']}", highlight=False)
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return 1 if failures else 0


def _cmd_extract(args: argparse.Namespace) -> int:
    from transform.records import extract_lines

    return _pipe_json_lines(args, "extract", lambda lines, source: extract_lines(lines, source=source))


def _cmd_classify(args: argparse.Namespace) -> int:
    from flows.settings import load_settings
    from transform.classify import StanceSetup, classify_lines, load_labeller
    from transform.defaults import load_leaning_labeller, load_stance_labeller
    from transform.targets import load_targets

    settings = load_settings(args.config)
    labeller = load_labeller(
        args.loaded_model or settings.loaded_model, settings.models_dir, encoder_settings=_encoder_settings(args)
    )
    known = load_targets(args.targets or settings.targets_path)
    setup = StanceSetup(
        stance=load_stance_labeller(
            args.stance_model or settings.stance_model, settings.models_dir, encoder_settings=_encoder_settings(args)
        ),
        leaning=load_leaning_labeller(args.leaning_model or settings.leaning_model, settings.models_dir),
        known=known,
        default_targets=known.targets,
    )
    return _pipe_json_lines(
        args, "classify", lambda lines, source: classify_lines(lines, labeller, source=source, setup=setup)
    )


def _cmd_train(args: argparse.Namespace) -> int:
    if args.dataset not in TRAIN_DATASETS[args.task]:
        raise ConfigError(
            f"slant train {args.task}: --dataset: expected one of {', '.join(TRAIN_DATASETS[args.task])}, "
            f"got {args.dataset!r}"
        )
    # A glob stays as given (relative to the caller's directory); a plain path is made absolute.
    path: str = args.path if "*" in args.path else str(_path(args.path))
    if args.embeddings and args.task == "leaning":
        raise ConfigError("slant train leaning: --embeddings is only for the loaded-language and stance models")
    if args.task == "stance":
        from transform.defaults import model_version as label_version
        from transform.stance import train as stance_train

        stance_encoder = None
        if args.embeddings:  # built first, so a missing extra is reported before any training
            from transform.embeddings import SentenceEncoder

            stance_encoder = SentenceEncoder(_encoder_settings(args))
        stance_rows = stance_train.read_dataset(args.dataset, path)
        classes = stance_train.train(
            stance_rows,
            args.out,
            data_path=path,
            dataset=args.dataset,
            embeddings=args.embeddings,
            encoder=stance_encoder,
        ).classes
        console.print(f"trained {label_version(args.out)} on {len(stance_rows)} rows into {args.out}; {classes}")
        return 0
    if args.task == "leaning":
        from transform.defaults import model_version as label_version
        from transform.leaning import train as leaning_train

        leaning_rows = leaning_train.read_dataset(args.dataset, path)
        classes = leaning_train.train(leaning_rows, args.out, data_path=path, dataset=args.dataset).classes
        console.print(f"trained {label_version(args.out)} on {len(leaning_rows)} rows into {args.out}; {classes}")
        return 0
    from transform.classify import model_version
    from transform.loaded.ptc import read_ptc
    from transform.loaded.train import read_babe, read_jsonl, train

    readers = {"babe": read_babe, "ptc": read_ptc, "jsonl": read_jsonl}
    encoder = None
    if args.embeddings:  # built first, so a missing extra is reported before any training
        from transform.embeddings import SentenceEncoder

        encoder = SentenceEncoder(_encoder_settings(args))
    rows = readers[args.dataset](path)
    model = train(rows, args.out, data_path=path, dataset=args.dataset, embeddings=args.embeddings, encoder=encoder)

    console.print(
        f"trained {model_version(args.out)} on {len(rows)} rows into {args.out}; threshold {model.threshold:.3f}"
    )
    return 0


def _cmd_check_targets(args: argparse.Namespace) -> int:
    from transform.targets import load_targets

    targets = load_targets(args.file)
    console.print(f"{args.file}: {len(targets)} targets, all valid")
    return 0


def _ids(values: list[str] | None) -> tuple[str, ...]:
    """``--sources a b`` and ``--sources a,b`` alike, in the order given, without repeats."""
    found = [part.strip() for value in values or [] for part in value.split(",") if part.strip()]
    return tuple(dict.fromkeys(found))


def _cmd_report(args: argparse.Namespace) -> int:
    from datetime import date

    from extract.errors import ConfigError
    from flows.report.build import write_report
    from flows.settings import load_settings
    from warehouse.report_data import Window

    settings = load_settings(args.config, db_path=args.db)
    try:
        since = date.fromisoformat(args.since) if args.since else None
    except ValueError as exc:
        raise ConfigError(f"--since: expected an ISO date such as 2026-01-31, got {args.since!r}") from exc
    out = args.out or settings.report_file
    window = Window(since=since, sources=_ids(args.sources), targets=_ids(args.targets))
    info = write_report(settings.db_path, out, window)
    console.print(
        f"{out}: {info.bytes / 1_000_000:.1f} MB, {info.charts} charts, {info.empty_states} empty states, "
        f"{info.posts:,} posts from {info.sources} sources, in {info.seconds} s",
        highlight=False,
    )
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from flows.demo import run_demo

    return run_demo(args.db, console)


def _cmd_serve_sample(args: argparse.Namespace) -> int:
    from flows.demo import serve_sample

    return serve_sample(args.sources_out, args.day, console)


COMMANDS = {
    "nightly": _cmd_nightly,
    "demo": _cmd_demo,
    "sql": _cmd_sql,
    "report": _cmd_report,
    "publish": _cmd_publish,
    "diff-release": _cmd_diff_release,
    "migrate": _cmd_migrate,
    "extract": _cmd_extract,
    "classify": _cmd_classify,
    "train": _cmd_train,
    "reprocess": _cmd_reprocess,
    "reclassify": _cmd_reclassify,
    "check-sources": _cmd_check_sources,
    "check-targets": _cmd_check_targets,
    "serve-sample": _cmd_serve_sample,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``slant`` console script."""
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except SlantError as exc:
        # escape: a message may hold brackets that are not markup (pip install 'slant[embeddings]')
        err_console.print(f"[red]slant {args.command}:[/red] {escape(str(exc))}", highlight=False)
        return 2
    except KeyboardInterrupt:
        err_console.print("interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
