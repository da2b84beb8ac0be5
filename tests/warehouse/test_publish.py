"""Dataset releases written from a real labelled warehouse, read back with DuckDB and the official validators."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import yaml

from extract.errors import PublishError
from tests.warehouse.labelled import DELETED_URL, NEW_MODEL, NEW_STANCE, OLD_STANCE, POSTS, post_id
from warehouse.publish import CHECKSUMS, ReleaseOptions, verify_checksums
from warehouse.release import publish_release
from warehouse.release_tables import RELEASE_TABLES
from warehouse.takedown import parse_takedown

BIN = Path(sys.executable).parent
OPTIONS = ReleaseOptions(
    version="2026.1.0", code_version="0.1.0+gtest", homepage="https://github.com/slant-project/slant"
)


@pytest.fixture(scope="module")
def db(labelled_db: Path) -> Path:
    return labelled_db  # publishing only reads it


@pytest.fixture(scope="module")
def release(db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("releases") / "2026.1.0"
    publish_release(db, out, OPTIONS, validate=False)  # the publish flow's test runs the in-process validation
    return out


def _read(root: Path, table: str, sql: str = "SELECT count(*)") -> list[tuple[object, ...]]:
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    files = [str(root / f["path"]) for f in manifest["tables"][table]["files"]]
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.execute(f"CREATE VIEW t AS SELECT * FROM read_parquet({files!r})")
        return con.execute(f"{sql} FROM t").fetchall()
    finally:
        con.close()


def _warehouse(db: Path, sql: str) -> list[tuple[object, ...]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_every_table_reads_back_with_the_warehouse_row_counts(db: Path, release: Path) -> None:
    expected = {
        "sources": "SELECT count(*) FROM sources",
        "posts": "SELECT count(*) FROM posts WHERE deleted_at IS NULL",
        "sentences": "SELECT count(*) FROM sentences JOIN post_labels USING (post_id)",
        "loaded_spans": "SELECT count(*) FROM loaded_spans s JOIN post_labels p "
        "ON p.post_id = s.post_id AND p.loaded_model_version = s.model_version",
        "post_scores": "SELECT count(*) FROM post_labels WHERE loaded_model_version IS NOT NULL",
        "stances": "SELECT count(*) FROM post_stances",
    }
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    for table, sql in expected.items():
        want = _warehouse(db, sql)[0][0]
        assert _read(release, table) == [(want,)], table
        assert manifest["tables"][table]["rows"] == want, table
    assert manifest["tables"]["posts"]["rows"] == len(POSTS) - 1  # the deleted post is left out


def test_labels_are_the_newest_version_of_each_and_carry_it(release: Path) -> None:
    assert _read(release, "post_scores", "SELECT DISTINCT model_version") == [(NEW_MODEL,)]
    assert _read(release, "loaded_spans", "SELECT DISTINCT model_version") == [(NEW_MODEL,)]
    stances = dict(_read(release, "stances", "SELECT post_id, model_version"))  # type: ignore[arg-type]
    assert stances[post_id(POSTS[0].url)] == NEW_STANCE and stances[post_id(POSTS[1].url)] == OLD_STANCE
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["model_versions"] == {"loaded": [NEW_MODEL], "stance": [OLD_STANCE, NEW_STANCE]}


def test_posts_are_partitioned_by_year_and_month_and_every_file_is_zstd(release: Path) -> None:
    files = sorted(p.relative_to(release).as_posix() for p in release.rglob("*.parquet"))
    assert "data/posts/year=2026/month=11/data_0.parquet" in files
    assert {f"data/{t.name}.parquet" for t in RELEASE_TABLES if not t.partition_by} <= set(files)
    con = duckdb.connect()
    codecs = {
        row[0]
        for f in files
        for row in con.execute(f"SELECT DISTINCT compression FROM parquet_metadata('{release / f}')").fetchall()
    }
    assert codecs == {"ZSTD"}
    months = con.execute(
        f"SELECT DISTINCT year, month FROM read_parquet('{release}/data/posts/*/*/*.parquet', hive_partitioning=false)"
    ).fetchall()
    assert months == [(2026, 11)]


def test_publishing_the_same_database_twice_is_byte_identical(db: Path, release: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    publish_release(db, again, OPTIONS, validate=False)
    first = {p.relative_to(release): p.read_bytes() for p in release.rglob("*") if p.is_file()}
    second = {p.relative_to(again): p.read_bytes() for p in again.rglob("*") if p.is_file()}
    assert first.keys() == second.keys()
    assert [name for name in first if first[name] != second[name]] == []
    assert (release / CHECKSUMS).read_text() == (again / CHECKSUMS).read_text()


def test_checksums_cover_every_file_and_catch_a_changed_byte(release: Path, tmp_path: Path) -> None:
    listed = [line.split("  ", 1)[1] for line in (release / CHECKSUMS).read_text().splitlines()]
    files = sorted(p.relative_to(release).as_posix() for p in release.rglob("*") if p.is_file() and p.name != CHECKSUMS)
    assert listed == files
    assert verify_checksums(release) == []
    copy = tmp_path / "copy"
    subprocess.run(["cp", "-r", str(release), str(copy)], check=True)
    card = copy / "README.md"
    card.write_text(card.read_text() + " ", encoding="utf-8")
    assert verify_checksums(copy) == ["README.md: checksum mismatch"]


def test_croissant_and_datapackage_pass_the_official_validators(release: Path) -> None:
    croissant = subprocess.run(
        [str(BIN / "mlcroissant"), "validate", "--jsonld", "croissant.json"],
        cwd=release,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert croissant.returncode == 0, croissant.stderr[-3000:]
    assert "Done." in croissant.stderr
    package = subprocess.run(
        [str(BIN / "frictionless"), "validate", "datapackage.json"],
        cwd=release,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert package.returncode == 0, package.stdout[-3000:]
    assert "INVALID" not in package.stdout and package.stdout.count("VALID") == len(
        json.loads((release / "datapackage.json").read_text())["resources"]
    )


def test_text_none_leaves_no_post_text_anywhere_in_the_release(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "none"
    publish_release(db, out, ReleaseOptions(version="2026.1.0-none", text_policy="none"), validate=False)
    sentences = [str(t) for (t,) in _warehouse(db, "SELECT text FROM sentences") if len(str(t)) >= 12]
    assert len(sentences) >= 10
    con = duckdb.connect()
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        if path.suffix == ".parquet":
            columns = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM '{path}'").fetchall()]
            values = [
                str(v) for c in columns for (v,) in con.execute(f"SELECT \"{c}\"::VARCHAR FROM '{path}'").fetchall()
            ]
            found = [s for s in sentences if any(s in v for v in values)]
        else:
            text = path.read_text(encoding="utf-8")
            found = [s for s in sentences if s in text]
        raw = path.read_bytes()
        found += [s for s in sentences if s.encode("utf-8") in raw]
        assert found == [], path
    assert "Turnout figures" in sentences  # a title repeated as the text's first line: withheld too
    assert _read(out, "posts", "SELECT count(*) FILTER (WHERE text IS NOT NULL OR title IS NOT NULL), count(*)") == [
        (0, 5)
    ]


def test_excerpt_keeps_the_first_characters_and_the_labelled_sentences_only(db: Path, release: Path) -> None:
    texts = dict(_warehouse(db, "SELECT post_id, text FROM posts"))  # type: ignore[arg-type]
    quiet = {post_id(p.url) for p in POSTS if p.source_id == "quiet-corner"}
    for pid, text, policy in _read(release, "posts", "SELECT post_id, text, text_policy"):
        if pid in quiet:
            assert (text, policy) == (None, "none")  # republish: false
        else:
            assert (text, policy) == (str(texts[pid])[: OPTIONS.excerpt_chars], "excerpt")
    labelled = {
        (pid, sno)
        for pid, sno in _warehouse(
            db,
            "SELECT post_id, sentence_no FROM loaded_spans WHERE model_version = '" + NEW_MODEL + "' UNION "
            "SELECT post_id, sentence_no FROM target_mentions",
        )
    }
    rows = _read(release, "sentences", "SELECT post_id, sentence_no, text, labelled")
    assert {(pid, sno) for pid, sno, _t, flag in rows if flag} == {k for k in labelled if k[0] in {r[0] for r in rows}}
    for pid, sno, text, flag in rows:
        assert (text is not None) == (bool(flag) and pid not in quiet), (pid, sno)
    spans = _read(release, "loaded_spans", "SELECT post_id, text")
    assert all((text is None) == (pid in quiet) for pid, text in spans)


def test_full_text_goes_out_except_for_sources_that_forbid_republishing(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "full"
    publish_release(db, out, ReleaseOptions(version="2026.1.0-full", text_policy="full"), validate=False)
    texts = dict(_warehouse(db, "SELECT post_id, text FROM posts"))  # type: ignore[arg-type]
    for pid, text, policy in _read(out, "posts", "SELECT post_id, text, text_policy"):
        source = next(p.source_id for p in POSTS if post_id(p.url) == pid)
        assert (text, policy) == ((None, "none") if source == "quiet-corner" else (texts[pid], "full"))
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["sources_without_text"] == ["quiet-corner"]


def test_takedown_entries_remove_posts_and_whole_sources_from_every_table(db: Path, tmp_path: Path) -> None:
    budget = POSTS[1]
    takedown = parse_takedown(
        f"# requests\n{budget.url}?utm_source=newsletter#top  # author asked, 2026-11-20\nright-angle\n", "takedown.txt"
    )
    out = tmp_path / "takedown"
    publish_release(db, out, ReleaseOptions(version="2026.1.0-t", takedown=takedown), validate=False)
    gone = {post_id(budget.url)} | {post_id(p.url) for p in POSTS if p.source_id == "right-angle"}
    for table in ("posts", "sentences", "loaded_spans", "post_scores", "stances"):
        ids = {pid for (pid,) in _read(out, table, "SELECT DISTINCT post_id")}
        assert ids and not ids & gone, table
    assert sorted(_read(out, "sources", "SELECT source_id")) == [("left-pen",), ("quiet-corner",)]
    manifest = json.loads((out / "manifest.json").read_text())
    excluded = {"deleted_posts": 1, "takedown_entries": 2, "takedown_posts": 3, "takedown_sources": 1}
    assert manifest["excluded"] == excluded
    listed = " ".join(p.read_text(encoding="utf-8", errors="replace") for p in out.rglob("*.json"))
    assert budget.url not in listed and DELETED_URL not in listed


def test_a_takedown_line_that_is_neither_url_nor_source_id_is_an_error() -> None:
    with pytest.raises(PublishError, match="line 2: .Some_Blog!. is neither"):
        parse_takedown("ok-source\nSome_Blog!  # typo\n", "takedown.txt")


def test_a_directory_holding_a_release_is_refused_unless_forced(db: Path, release: Path, tmp_path: Path) -> None:
    out = tmp_path / "rel"
    publish_release(db, out, OPTIONS, validate=False)
    with pytest.raises(PublishError, match="already holds release 2026.1.0; pass --force"):
        publish_release(db, out, ReleaseOptions(version="2026.2.0"), validate=False)
    publish_release(db, out, ReleaseOptions(version="2026.2.0"), validate=False, force=True)
    assert json.loads((out / "manifest.json").read_text())["release"] == "2026.2.0"
    assert verify_checksums(out) == []
    stray = tmp_path / "notes"
    stray.mkdir()
    (stray / "mine.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(PublishError, match="not empty and not a release"):
        publish_release(db, stray, OPTIONS, validate=False, force=True)
    assert (stray / "mine.txt").read_text() == "keep me"
    assert not list(tmp_path.glob(".*staging*"))


def test_the_card_has_the_hub_header_and_every_datasheet_section(release: Path) -> None:
    card = (release / "README.md").read_text(encoding="utf-8")
    _, header, body = card.split("---\n", 2)
    meta = yaml.safe_load(header)
    assert meta["license"] == "cc-by-4.0" and meta["language"] == ["en"]
    assert meta["size_categories"] == ["n<1K"]
    assert {"text-classification", "token-classification"} <= set(meta["task_categories"])
    for config in meta["configs"]:
        pattern = config["data_files"][0]["path"]
        assert list(release.glob(pattern)), pattern
    assert {c["config_name"] for c in meta["configs"]} == {t.name for t in RELEASE_TABLES}
    for section in (
        "Motivation",
        "Composition",
        "Collection process",
        "Labelling",
        "Known biases",
        "Limitations",
        "Maintenance",
    ):
        assert f"\n## {section}\n" in body, section
    assert NEW_MODEL in body and "macro_f1 0.870" in body  # the model card's figures
    floors = json.loads((Path(__file__).parents[2] / "transform" / "evaluation" / "floors.json").read_text())
    assert f"sentence macro-F1 {floors['loaded']['measured']['a_macro_f1']}" in body  # the project's evaluation
    croissant = json.loads((release / "croissant.json").read_text())
    assert croissant["conformsTo"] == "http://mlcommons.org/croissant/1.1"
    assert croissant["rai:dataBiases"] and croissant["citeAs"].startswith("@misc{slant_2026_1_0,")
