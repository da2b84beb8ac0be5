"""The ``slant`` command line.

Every path argument is taken relative to the caller's working directory; nothing depends on
being run from the repository. Prefect is imported only by the sub-commands that run flows, so
``slant sql`` answers in well under a second.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from extract.errors import SlantError
from flows import __version__

console = Console(soft_wrap=True)
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
        help="run a SQL query against the warehouse (read-only)",
        description="Run QUERY against the warehouse and print the result.",
    )
    p.add_argument("query", help='SQL text, e.g. "select count(*) from posts"')
    p.add_argument("--format", choices=("table", "csv", "json"), default="table", help="output format (default table)")
    p.add_argument("--write", action="store_true", help="open read-write (default read-only)")
    _add_common(p)

    p = sub.add_parser(
        "reprocess",
        help="rebuild posts from the raw archive, offline",
        description="Re-extract and re-label every archived post with the current code, reading the WARC "
        "archive only (no network).",
    )
    p.add_argument("--source", action="append", metavar="ID", help="only this source (repeatable)")
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
        help="loaded language per sentence and post, with voice (JSON lines in and out)",
        description='Read JSON lines {"id", "text"} (or the output of slant extract) and write sentences, '
        "loaded spans and scores with their voice. `slant extract | slant classify` works as a pipe.",
    )
    p.add_argument("--loaded-model", type=_path, metavar="DIR", help="a model directory (default: the shipped one)")
    p.add_argument("--input", type=_path, metavar="FILE", help="read this file instead of standard input")
    p.add_argument("--output", type=_path, metavar="FILE", help="write this file instead of standard output")
    p.add_argument("--models-dir", type=_path, default=_path("data/models"), help="where the default model is built")
    _add_embedding_options(p)

    p = sub.add_parser(
        "train",
        help="train a model (loaded language)",
        description="Train a loaded-language model directory with its model card.",
    )
    p.add_argument("task", choices=("loaded",), help="what to train")
    p.add_argument("--dataset", choices=("babe", "jsonl"), required=True)
    p.add_argument("--path", required=True, help="BABE CSV, or JSON lines {text, label, spans} (file, dir or glob)")
    p.add_argument("--out", type=_path, required=True, metavar="DIR")
    p.add_argument(
        "--embeddings",
        action="store_true",
        help="add MiniLM sentence embeddings as features (needs the slant[embeddings] extra)",
    )
    _add_embedding_options(p)

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


def print_result(columns: list[str], rows: list[tuple[Any, ...]], title: str | None = None) -> None:
    table = Table(title=title, title_justify="left", show_lines=False)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    console.print(table)


def _cmd_sql(args: argparse.Namespace) -> int:
    from flows.settings import load_settings
    from warehouse.query import run_query, to_csv, to_json

    settings = load_settings(args.config, db_path=args.db)
    result = run_query(settings.db_path, args.query, write=args.write)
    if args.format == "csv":
        sys.stdout.write(to_csv(result))
    elif args.format == "json":
        sys.stdout.write(to_json(result))
    else:
        print_result(result.columns, result.rows)
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


def run_flow(
    settings_overrides: dict[str, Any],
    config: Path | None,
    sources_file: Path,
    *,
    backfill: bool = False,
    since: str | None = None,
) -> dict[str, Any]:
    from prefect.task_runners import ThreadPoolTaskRunner

    from extract.sources import load_sources
    from flows.nightly import nightly
    from flows.settings import load_settings

    settings = load_settings(config, **settings_overrides)
    load_sources(sources_file)  # a bad file is reported here, plainly, before Prefect starts
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
    from transform.classify import classify_lines, default_model, model_version
    from transform.loaded import LoadedModel

    model_dir = args.loaded_model or default_model(args.models_dir)
    model = LoadedModel.load(model_dir, encoder_settings=_encoder_settings(args))
    version = model_version(model_dir)
    return _pipe_json_lines(
        args, "classify", lambda lines, source: classify_lines(lines, model, version, source=source)
    )


def _cmd_train(args: argparse.Namespace) -> int:
    from transform.classify import model_version
    from transform.loaded.train import read_babe, read_jsonl, train

    # A glob stays as given (relative to the caller's directory); a plain path is made absolute.
    path: str = args.path if "*" in args.path else str(_path(args.path))
    encoder = None
    if args.embeddings:  # built first, so a missing extra is reported before any training
        from transform.embeddings import SentenceEncoder

        encoder = SentenceEncoder(_encoder_settings(args))
    rows = read_babe(Path(path)) if args.dataset == "babe" else read_jsonl(path)
    model = train(rows, args.out, data_path=path, dataset=args.dataset, embeddings=args.embeddings, encoder=encoder)

    console.print(
        f"trained {model_version(args.out)} on {len(rows)} rows into {args.out}; threshold {model.threshold:.3f}"
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
    "migrate": _cmd_migrate,
    "extract": _cmd_extract,
    "classify": _cmd_classify,
    "train": _cmd_train,
    "reprocess": _cmd_reprocess,
    "check-sources": _cmd_check_sources,
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
