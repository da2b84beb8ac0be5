"""The raw WARC archive: round trips, validity for other WARC tools, concurrency, crash tolerance."""

from __future__ import annotations

import io
import json
import logging
import os
import threading
import tracemalloc
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.checker import Checker
from warcio.indexer import Indexer

from extract.archive import (
    REQUESTED_URI,
    ArchiveCorrupt,
    ArchivedResponse,
    ArchiveRef,
    RunArchive,
    archive_files,
    iter_responses,
    read_response,
)

START = datetime(2026, 12, 1, 2, 30, tzinfo=UTC)
T0 = datetime(2026, 12, 1, 2, 31, 5, 123456, tzinfo=UTC)
SOFTWARE = "slant/0.1.0 (test)"


def _archive(tmp_path: Path, run_id: str = "run1", started_at: datetime = START) -> RunArchive:
    return RunArchive(tmp_path, run_id, software=SOFTWARE, started_at=started_at)


def _write_three(archive: RunArchive) -> list[ArchiveRef]:
    return [
        archive.write(f"https://blog.example/post/{i}", 200, {"content-type": "text/html"}, b"<p>%d</p>" % i * 300, T0)
        for i in range(3)
    ]


def test_file_lands_in_the_dated_layout_and_starts_with_warcinfo(tmp_path: Path) -> None:
    with _archive(tmp_path, "20261201T0230-abc") as archive:
        ref = archive.write("https://a.example/", 200, {}, b"x", T0)
    assert archive.path == tmp_path / "2026" / "12" / "01" / "slant-20261201T0230-abc.warc.gz"
    assert ref.warc_file == "2026/12/01/slant-20261201T0230-abc.warc.gz"
    with open(archive.path, "rb") as fh:
        first = next(iter(ArchiveIterator(fh)))
        assert first.rec_type == "warcinfo"
        fields = first.content_stream().read().decode()
    assert first.rec_headers.protocol == "WARC/1.1"
    assert f"software: {SOFTWARE}" in fields
    assert "slant-run-id: 20261201T0230-abc" in fields
    assert "format: WARC File Format 1.1" in fields


def test_round_trip_through_read_response_and_iter_responses(tmp_path: Path) -> None:
    later = datetime(2026, 12, 1, 4, 0, 0, tzinfo=timezone(timedelta(hours=2)))  # aware, not UTC
    written = [
        ("https://a.example/1", None, 200, {"Content-Type": "text/html; charset=utf-8", "ETag": '"v1"'}, b"<html>1"),
        ("https://a.example/old", "https://a.example/new", 200, {"content-type": "application/rss+xml"}, b"<rss/>"),
        ("https://b.example/api", None, 203, {"content-type": "application/json"}, b'{"a": 1}'),
    ]
    with _archive(tmp_path) as archive:
        refs = [
            archive.write(url, status, headers, body, T0 if i != 1 else later, final_url=final)
            for i, (url, final, status, headers, body) in enumerate(written)
        ]

    read_back = [read_response(tmp_path, ref) for ref in refs]
    assert list(iter_responses(archive.path)) == read_back
    for (url, final, status, headers, body), ref, got in zip(written, refs, read_back, strict=True):
        assert got.ref == ref
        assert got.url == (final or url)
        assert got.requested_url == url
        assert got.status_code == status
        assert got.body == body
        assert got.headers == {**{k.lower(): v for k, v in headers.items()}, "content-length": str(len(body))}
        assert got.fetched_at.tzinfo is not None
    assert read_back[0].fetched_at == T0  # microseconds kept
    assert read_back[1].fetched_at == later and read_back[1].fetched_at.utcoffset() == timedelta(0)


def test_requested_uri_header_only_when_redirected(tmp_path: Path) -> None:
    with _archive(tmp_path) as archive:
        archive.write("https://a.example/same", 200, {}, b"1", T0, final_url="https://a.example/same")
        archive.write("https://a.example/old", 200, {}, b"2", T0, final_url="https://a.example/new")
    with open(archive.path, "rb") as fh:
        records = [
            (r.rec_headers.get_header("WARC-Target-URI"), r.rec_headers.get_header(REQUESTED_URI))
            for r in ArchiveIterator(fh)
        ]
    assert records[1:] == [("https://a.example/same", None), ("https://a.example/new", "https://a.example/old")]


def test_wire_level_headers_are_replaced_so_the_record_is_self_consistent(tmp_path: Path) -> None:
    body = b"<html>" + b"decoded " * 100
    headers = {"Content-Encoding": "gzip", "Transfer-Encoding": "chunked", "Content-Length": "37", "Server": "x"}
    with _archive(tmp_path) as archive:
        ref = archive.write("https://a.example/", 200, headers, body, T0)
    got = read_response(tmp_path, ref)
    assert got.headers == {"server": "x", "content-length": str(len(body))}
    with open(archive.path, "rb") as fh:
        for record in ArchiveIterator(fh):
            if record.rec_type == "response":
                assert record.content_stream().read() == body  # no decoding attempted by WARC readers
                assert record.http_headers.protocol == "HTTP/1.1" and record.http_headers.statusline == "200 OK"


def test_the_file_validates_with_warcio_check_and_index(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with _archive(tmp_path) as archive:
        refs = _write_three(archive)
        refs.append(archive.write("https://a.example/empty", 204, {}, b"", T0))

    assert Checker(SimpleNamespace(inputs=[str(archive.path)], verbose=True)).process_all() == 0
    assert "digest failed" not in capsys.readouterr().out

    out = io.StringIO()
    Indexer(["warc-type", "warc-target-uri", "offset", "length", "http:status"], [str(archive.path)], out).process_all()
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["warc-type"] for r in rows] == ["warcinfo", "response", "response", "response", "response"]
    assert [(int(r["offset"]), int(r["length"])) for r in rows[1:]] == [(ref.offset, ref.length) for ref in refs]
    assert rows[-1]["http:status"] == "204"

    with open(archive.path, "rb") as fh:
        iterator = ArchiveIterator(fh, check_digests=True)
        for record in iterator:
            record.content_stream().read()
            assert record.rec_type == "warcinfo" or record.digest_checker.passed is True
            assert record.rec_type == "warcinfo" or record.rec_headers.get_header("WARC-Payload-Digest")


@pytest.mark.parametrize(
    "body",
    [
        bytes(range(256)) * 4,
        "Zürich – “quoted”".encode("cp1252"),  # not UTF-8
        b"\xff\xfe\x00\x00 half a BOM",
        b"HTTP/1.1 200 OK\r\n\r\n\r\n\r\nWARC/1.1\r\n",  # record syntax inside the body
        b"",
        b"\x1f\x8b\x08\x00 looks gzipped",
    ],
    ids=["all-bytes", "cp1252", "bom", "warc-syntax", "empty", "gzip-magic"],
)
def test_binary_and_non_utf8_bodies_are_kept_byte_exact(tmp_path: Path, body: bytes) -> None:
    with _archive(tmp_path) as archive:
        ref = archive.write("https://a.example/b", 200, {"content-type": "text/html; charset=windows-1252"}, body, T0)
        after = archive.write("https://a.example/after", 200, {}, b"next", T0)
    assert read_response(tmp_path, ref).body == body
    assert [r.body for r in iter_responses(archive.path)] == [body, b"next"]
    assert read_response(tmp_path, after).body == b"next"


def test_concurrent_writers_get_correct_offsets(tmp_path: Path) -> None:
    threads, per_thread = 8, 50
    refs: dict[tuple[int, int], ArchiveRef] = {}
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads)

    def body_of(t: int, i: int) -> bytes:
        return (f"<p>thread {t} write {i}</p>".encode() + os.urandom(64)) * (1 + (t * per_thread + i) % 7)

    bodies = {(t, i): body_of(t, i) for t in range(threads) for i in range(per_thread)}

    def worker(t: int) -> None:
        try:
            barrier.wait()
            for i in range(per_thread):
                refs[(t, i)] = archive.write(f"https://h{t}.example/{i}", 200, {"x-n": f"{t}/{i}"}, bodies[(t, i)], T0)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    with _archive(tmp_path) as archive:
        pool = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
    assert errors == []
    assert len(refs) == threads * per_thread

    # Records tile the file exactly: no overlap, no gap, up to the end.
    spans = sorted((ref.offset, ref.length) for ref in refs.values())
    for (offset, length), (next_offset, _) in zip(spans, spans[1:], strict=False):
        assert offset + length == next_offset
    assert spans[-1][0] + spans[-1][1] == archive.path.stat().st_size

    for key, ref in refs.items():
        got = read_response(tmp_path, ref)
        assert (got.url, got.headers["x-n"], got.body) == (
            f"https://h{key[0]}.example/{key[1]}",
            f"{key[0]}/{key[1]}",
            bodies[key],
        )
    assert {r.ref for r in iter_responses(archive.path)} == set(refs.values())


def test_truncated_last_record_leaves_earlier_records_readable(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with _archive(tmp_path) as archive:
        refs = _write_three(archive)
    data = archive.path.read_bytes()
    last = refs[-1]
    earlier = [read_response(tmp_path, ref) for ref in refs[:-1]]
    cuts = range(last.offset + 1, len(data))  # every possible cut inside the last record
    for cut in cuts:
        archive.path.write_bytes(data[:cut])
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="extract.archive"):
            got = list(iter_responses(archive.path))
        # The partial record is either dropped with a warning or, if only gzip's trailer is missing
        # and its digests still verify, returned whole; never returned damaged.
        assert got[:2] == earlier, cut
        if len(got) == 2:
            assert "partial last record" in caplog.text, cut
        else:
            assert len(got) == 3 and got[2].body == b"<p>2</p>" * 300, cut
        assert [read_response(tmp_path, ref) for ref in refs[:-1]] == earlier


def test_crash_right_after_creation_and_nul_padding_are_tolerated(tmp_path: Path) -> None:
    with _archive(tmp_path) as archive:
        refs = _write_three(archive)
    data = archive.path.read_bytes()
    archive.path.write_bytes(data + b"\x00" * 4096)  # what some file systems leave after a crash
    assert [r.ref for r in iter_responses(archive.path)] == refs
    archive.path.write_bytes(data + b"not a gzip member")  # junk is not a crash: reported
    with pytest.raises(ArchiveCorrupt):
        list(iter_responses(archive.path))
    archive.path.write_bytes(data[:5])  # killed while writing warcinfo
    assert list(iter_responses(archive.path)) == []
    archive.path.write_bytes(b"")
    assert list(iter_responses(archive.path)) == []


def test_damage_before_the_tail_raises_after_the_intact_records(tmp_path: Path) -> None:
    with _archive(tmp_path) as archive:
        refs = _write_three(archive)
    data = bytearray(archive.path.read_bytes())
    data[refs[1].offset + refs[1].length // 2] ^= 0xFF  # bit rot inside the middle record
    archive.path.write_bytes(bytes(data))
    seen: list[ArchivedResponse] = []
    with pytest.raises(ArchiveCorrupt, match="damaged record"):
        for response in iter_responses(archive.path):
            seen.append(response)
    assert [r.ref for r in seen] == refs[:1]
    with pytest.raises(ArchiveCorrupt):
        read_response(tmp_path, refs[1])
    assert read_response(tmp_path, refs[2]).body == b"<p>2</p>" * 300


def test_bad_refs_are_refused(tmp_path: Path) -> None:
    with _archive(tmp_path) as archive:
        ref = _write_three(archive)[1]
    for bad in (
        ArchiveRef(ref.warc_file, ref.offset + 3, ref.length),  # not a record boundary
        ArchiveRef(ref.warc_file, 0, ref.length),  # the warcinfo record
        ArchiveRef(ref.warc_file, ref.offset, ref.length + 1),  # wrong length
        ArchiveRef("../elsewhere/x.warc.gz", ref.offset, ref.length),
    ):
        with pytest.raises(ArchiveCorrupt):
            read_response(tmp_path, bad)
    with pytest.raises(FileNotFoundError):
        read_response(tmp_path, ArchiveRef("2026/12/01/slant-nope.warc.gz", 0, 10))


def test_existing_file_is_refused_and_left_alone(tmp_path: Path) -> None:
    with _archive(tmp_path) as archive:
        _write_three(archive)
    before = archive.path.read_bytes()
    with pytest.raises(FileExistsError, match="already exists.*refusing to overwrite"):
        _archive(tmp_path, started_at=START + timedelta(hours=3))  # same day, same run id
    assert archive.path.read_bytes() == before
    _archive(tmp_path, started_at=START + timedelta(days=1)).close()  # another day is another file


def test_304_and_bad_input_are_refused(tmp_path: Path) -> None:
    with _archive(tmp_path) as archive:
        with pytest.raises(ValueError, match="304"):
            archive.write("https://a.example/", 304, {"etag": '"x"'}, b"", T0)
        with pytest.raises(ValueError, match="timezone-aware"):
            archive.write("https://a.example/", 200, {}, b"x", datetime(2026, 12, 1, 3, 0))
        with pytest.raises(ValueError, match="line break"):
            archive.write("https://a.example/", 200, {"x": "a\r\nWARC-Type: evil"}, b"x", T0)
        with pytest.raises(ValueError, match="whitespace"):
            archive.write("https://a.example/a b", 200, {}, b"x", T0)
    with pytest.raises(ValueError, match="closed"):
        archive.write("https://a.example/", 200, {}, b"x", T0)
    archive.close()  # idempotent
    with pytest.raises(ValueError, match="file name"):
        RunArchive(tmp_path, "../escape", software=SOFTWARE)
    assert [r.url for r in iter_responses(archive.path)] == []


def test_failed_write_is_rolled_back_and_the_archive_stays_usable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_fsync = os.fsync
    failures = iter([True])

    def flaky_fsync(fd: int) -> None:
        if next(failures, False):
            raise OSError(5, "simulated I/O error")
        real_fsync(fd)

    with _archive(tmp_path) as archive:
        first = archive.write("https://a.example/1", 200, {}, b"one", T0)
        monkeypatch.setattr(os, "fsync", flaky_fsync)
        with pytest.raises(OSError, match="simulated"):
            archive.write("https://a.example/2", 200, {}, b"two" * 1000, T0)
        third = archive.write("https://a.example/3", 200, {}, b"three", T0)
    assert third.offset == first.offset + first.length
    assert [r.body for r in iter_responses(archive.path)] == [b"one", b"three"]


def test_large_body_is_streamed_not_copied(tmp_path: Path) -> None:
    body = os.urandom(1 << 20) * 6  # 6 MiB, incompressible at deflate's 32 KiB window
    with _archive(tmp_path) as archive:
        tracemalloc.start()
        try:
            ref = archive.write("https://a.example/big", 200, {}, body, T0)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert peak < len(body) // 4, f"write allocated {peak} bytes for a {len(body)}-byte body"
    assert read_response(tmp_path, ref).body == body


def test_archive_files_lists_runs_oldest_first(tmp_path: Path) -> None:
    runs = [
        ("zeta", datetime(2026, 11, 30, 23, 0, tzinfo=UTC)),
        ("beta", datetime(2026, 12, 1, 1, 0, tzinfo=UTC)),
        ("alpha", datetime(2026, 12, 1, 3, 0, tzinfo=UTC)),
        ("gamma", datetime(2027, 1, 2, 0, 0, tzinfo=UTC)),
    ]
    for run_id, started in reversed(runs):
        _archive(tmp_path, run_id, started).close()
    (tmp_path / "2026" / "12" / "01" / "notes.txt").write_text("not a WARC")
    assert [p.name for p in archive_files(tmp_path)] == [f"slant-{run_id}.warc.gz" for run_id, _ in runs]
    assert archive_files(tmp_path / "missing") == []
