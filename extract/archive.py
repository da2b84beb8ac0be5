"""The raw archive: every fetched response, headers and body, kept in one WARC file per run.

Why: extractors improve; with the responses on disk the dataset can be rebuilt offline, years
later, without re-crawling (pages change or vanish). WARC is the archival standard, so the files
are also readable by any other tool (``warcio``, pywb, the Internet Archive's tooling).

Layout and format

* one gzip-compressed WARC/1.1 file per run, at
  ``<directory>/YYYY/MM/DD/slant-<run_id>.warc.gz`` (the run's start date, UTC); each record is
  its own gzip member, so a record can be read by seeking to its offset;
* a ``warcinfo`` record first (software, run id, format, and a description of the conventions
  below), then one ``response`` record per archived fetch, written by warcio (which computes
  ``WARC-Payload-Digest`` and ``WARC-Block-Digest``, sha1);
* ``WARC-Target-URI`` is the final URL (after redirects); the URL the crawler asked for goes in
  ``WARC-Slant-Requested-URI`` when it differs; ``WARC-Date`` is the fetch time, microseconds kept.

What "as received" means here

* the body stored is the body the crawler saw: *decoded* (requests has already undone gzip/deflate
  /br and chunking). So that the HTTP message in the record is self-consistent, the writer drops
  ``Content-Encoding`` and ``Transfer-Encoding`` and replaces ``Content-Length`` with the length of
  the stored body. All other headers are kept as given (names as given, order as given);
* the status line is ``HTTP/1.1 <code> <standard reason phrase>``: ``FetchResult`` carries neither
  the server's HTTP version nor its reason phrase;
* header values that are not ASCII are percent-encoded by warcio (RFC 8187), so they do not
  round-trip byte for byte (such headers are vanishingly rare and never needed by the extractors).

What is not archived

* 304 Not Modified answers: they carry no body, and the body they confirm is already in an earlier
  run's archive. ``RunArchive.write`` refuses them (``ValueError``) so that the caller's decision to
  skip them is explicit. Failed fetches (no response) are not archived either; fetch_log has them.

Crash safety: ``RunArchive.write`` flushes and fsyncs before returning the ``ArchiveRef``, and the
database stores a ref only after that, so every stored ref survives a killed process or a power
cut. A killed process can leave a partial last record; ``iter_responses`` stops cleanly before it
(with a warning) and ``read_response`` never sees it because no ref points at it.
"""

from __future__ import annotations

import io
import logging
import os
import re
import threading
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import Any, BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders, StatusAndHeadersParserException
from warcio.timeutils import datetime_to_iso_date, iso_date_to_datetime
from warcio.warcwriter import WARCWriter

from extract.errors import ArchiveCorrupt

log = logging.getLogger(__name__)

WARC_VERSION = "1.1"
REQUESTED_URI = "WARC-Slant-Requested-URI"
_CONFORMS_TO = "http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"
_SUFFIX = ".warc.gz"
_RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_LAYOUT_GLOB = f"[0-9][0-9][0-9][0-9]/[0-9][0-9]/[0-9][0-9]/slant-*{_SUFFIX}"
# Headers that describe the bytes on the wire, not the decoded body we store: dropped (and
# Content-Length re-added with the stored length) so the record is a consistent HTTP message.
_WIRE_HEADERS = frozenset({"content-encoding", "transfer-encoding", "content-length"})
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # RFC 9110 header field name
_READ_CHUNK = 64 * 1024
# Errors warcio/zlib raise on a record cut short or damaged (warcio's parser is not hardened against
# a record cut inside its WARC headers: AttributeError/TypeError/IndexError come out of it then).
_DAMAGE = (
    ArchiveLoadFailed,
    StatusAndHeadersParserException,
    zlib.error,
    EOFError,
    ValueError,
    AttributeError,
    TypeError,
    IndexError,
)


@dataclass(frozen=True)
class ArchiveRef:
    """Where one response record lives; stored in the database next to what was extracted from it."""

    warc_file: str  # file name relative to the archive directory, e.g. "2026/12/01/slant-<run_id>.warc.gz"
    offset: int  # byte offset of the response record (its gzip member) in that file
    length: int  # length of the compressed record


@dataclass(frozen=True)
class ArchivedResponse:
    """One response read back from the archive."""

    url: str  # WARC-Target-URI: the final URL, after redirects
    status_code: int
    headers: dict[str, str]  # lower-cased names; repeated headers joined with ", "
    body: bytes  # exactly the bytes given to ``RunArchive.write``
    fetched_at: datetime  # aware UTC (WARC-Date)
    ref: ArchiveRef
    requested_url: str  # the URL asked for (WARC-Slant-Requested-URI, or ``url`` when no redirect)


class RunArchive:
    """Thread-safe writer of one run's WARC file (several host threads write at once).

    Use as a context manager, or call ``close``. ``path`` is the WARC file; ``warc_file`` is its
    name relative to ``directory`` (the form ``ArchiveRef`` uses).
    """

    def __init__(self, directory: Path, run_id: str, *, software: str, started_at: datetime | None = None) -> None:
        """Create ``directory/YYYY/MM/DD/slant-<run_id>.warc.gz`` and write its warcinfo record.

        ``started_at`` (aware) is the run's start, which picks the date directories; default now.
        Raises ``FileExistsError`` if the file exists: a run's archive is never appended to or
        overwritten, because refs in the database point into it.
        """
        if not _RUN_ID.fullmatch(run_id):
            raise ValueError(f"run id {run_id!r} cannot be used in a file name (letters, digits, '.', '_', '-')")
        started = _utc(started_at if started_at is not None else datetime.now(UTC), "started_at")
        self.directory = Path(directory)
        self.run_id = run_id
        self.started_at = started
        self.warc_file = f"{started:%Y/%m/%d}/slant-{run_id}{_SUFFIX}"
        self.path = self.directory / self.warc_file
        self._lock = threading.Lock()
        self._closed = False
        self._broken: BaseException | None = None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._fh: BinaryIO = open(self.path, "xb")  # noqa: SIM115 - closed by close()
        except FileExistsError:
            raise FileExistsError(
                f"{self.path}: the archive of run {run_id} already exists; refusing to overwrite or append "
                "(refs in the database point into it). Use a new run id."
            ) from None
        self._writer = WARCWriter(self._fh, gzip=True, warc_version=WARC_VERSION)
        try:
            info = self._writer.create_warcinfo_record(
                self.path.name,
                {
                    "software": software,
                    "format": f"WARC File Format {WARC_VERSION}",
                    "conformsTo": _CONFORMS_TO,
                    "isPartOf": f"slant-run-{run_id}",
                    "slant-run-id": run_id,
                    "slant-run-started": datetime_to_iso_date(started.replace(tzinfo=None), use_micros=True),
                    "description": (
                        "Responses fetched by one slant crawl run. Bodies are stored decoded, as the crawler "
                        "saw them: Content-Encoding and Transfer-Encoding are removed and Content-Length is "
                        "the stored length. WARC-Target-URI is the final URL; WARC-Slant-Requested-URI is "
                        "the requested one when a redirect was followed. 304 answers are not archived."
                    ),
                },
            )
            self._warcinfo_id: str = info.rec_headers.get_header("WARC-Record-ID")
            self._writer.write_record(info)
            self._sync()
            _fsync_dirs(self.path.parent, self.directory)
        except BaseException:
            self._fh.close()
            self.path.unlink(missing_ok=True)
            raise

    def write(
        self,
        url: str,
        status_code: int,
        headers: Mapping[str, str],
        body: bytes,
        fetched_at: datetime,
        *,
        final_url: str | None = None,
    ) -> ArchiveRef:
        """Append one response record; return its ref once it is on disk (flushed and fsynced).

        ``url`` is the URL requested, ``final_url`` the one answered after redirects (default
        ``url``). ``headers`` are the response headers, ``body`` the decoded body. Raises
        ``ValueError`` for a 304 (not archived, see the module docstring) or unusable input.
        The body is streamed into the compressor in 16 KiB pieces, never copied whole.
        """
        target = final_url or url
        if status_code == 304:
            raise ValueError(f"{url}: 304 Not Modified is not archived (no body; the earlier record has it)")
        if not 100 <= status_code <= 599:
            raise ValueError(f"{url}: {status_code} is not an HTTP status code")
        for value in {url, target}:
            if not value or any(c.isspace() for c in value):
                raise ValueError(f"URL {value!r} is empty or contains whitespace; it cannot be a WARC-Target-URI")
        if not isinstance(body, bytes):
            raise TypeError(f"{url}: body must be bytes, not {type(body).__name__}")
        warc_headers = {"WARC-Date": _warc_date(fetched_at), "WARC-Warcinfo-ID": self._warcinfo_id}
        if target != url:
            warc_headers[REQUESTED_URI] = url
        record = self._writer.create_warc_record(
            target,
            "response",
            payload=io.BytesIO(body),  # shares the bytes object's buffer: no copy
            length=len(body),
            warc_headers_dict=warc_headers,
            http_headers=_http_headers(status_code, headers, len(body), url),
        )
        # Digests (a read of the body) outside the lock; only compression and I/O are serialised.
        self._writer.ensure_digest(record, block=True, payload=True)
        with self._lock:
            self._check_writable()
            offset = self._fh.tell()
            try:
                self._writer.write_record(record)
                self._sync()
            except BaseException as exc:
                self._rollback(offset, exc)
                raise
            length = self._fh.tell() - offset
        return ArchiveRef(self.warc_file, offset, length)

    def close(self) -> None:
        """Flush, fsync and close the file; idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            try:
                if self._broken is None:
                    self._sync()
            finally:
                self._fh.close()

    def __enter__(self) -> RunArchive:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _sync(self) -> None:
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def _check_writable(self) -> None:
        if self._closed:
            raise ValueError(f"{self.path}: archive is closed")
        if self._broken is not None:
            raise ArchiveCorrupt(f"{self.path}: archive unusable after a failed write ({self._broken!r})")

    def _rollback(self, offset: int, exc: BaseException) -> None:
        """Cut a half-written record off the end so the file stays valid; if even that fails
        (disk full, I/O error), refuse further writes: the partial record then stays the last one,
        which readers tolerate."""
        try:
            self._fh.seek(offset)
            self._fh.truncate()
            self._sync()
        except BaseException:
            log.error(
                "%s: could not remove a partial record at offset %d; archive closed for writing", self.path, offset
            )
            self._broken = exc


def read_response(directory: Path, ref: ArchiveRef) -> ArchivedResponse:
    """Read the one response record ``ref`` points at (seek to its offset, read one gzip member).

    Raises ``FileNotFoundError`` if the file is missing and ``ArchiveCorrupt`` if the bytes there
    are not one intact response record of exactly ``ref.length`` bytes.
    """
    rel = PurePosixPath(ref.warc_file)
    if rel.is_absolute() or ".." in rel.parts or not rel.name.endswith(_SUFFIX):
        raise ArchiveCorrupt(f"{ref.warc_file!r} is not a WARC file name relative to the archive directory")
    path = Path(directory) / rel
    with open(path, "rb") as fh:
        fh.seek(ref.offset)
        iterator = ArchiveIterator(fh, check_digests=True)
        try:
            record = next(iterator, None)
            response = None if record is None else _load(iterator, record, ref.warc_file)
        except _DAMAGE as exc:
            raise ArchiveCorrupt(f"{path} @ {ref.offset}: not a readable WARC record ({exc})") from exc
        finally:
            iterator.close()
    if response is None:
        raise ArchiveCorrupt(f"{path} @ {ref.offset}: no intact response record there")
    if response.ref != ref:
        raise ArchiveCorrupt(f"{path} @ {ref.offset}: record is {response.ref.length} bytes, the ref says {ref.length}")
    return response


def iter_responses(path: Path) -> Iterator[ArchivedResponse]:
    """Every intact response record of one WARC file, in file order (warcinfo etc. skipped).

    A partial last record (a run killed mid-write) ends the iteration with a warning; damage
    anywhere else raises ``ArchiveCorrupt`` after the records before it have been yielded.
    The refs name the file relative to the archive directory when ``path`` follows the
    ``YYYY/MM/DD/`` layout, else by its bare name.
    """
    path = Path(path)
    parts = path.parts
    in_layout = len(parts) >= 4 and [len(p) for p in parts[-4:-1]] == [4, 2, 2] and "".join(parts[-4:-1]).isdigit()
    warc_file = "/".join(parts[-4:]) if in_layout else path.name
    size = path.stat().st_size
    with open(path, "rb") as fh:
        iterator = ArchiveIterator(fh, check_digests=True)
        end = 0  # where the last intact record ended
        try:
            while True:
                try:
                    record = next(iterator, None)
                    if record is None:
                        break
                    response = _load(iterator, record, warc_file)
                except (*_DAMAGE, ArchiveCorrupt) as exc:
                    if _partial_tail(path, end):
                        log.warning(
                            "%s: ignoring a partial last record at offset %d (%d bytes): %s", path, end, size - end, exc
                        )
                        return
                    raise ArchiveCorrupt(f"{path}: damaged record after offset {end}: {exc}") from exc
                end = iterator.get_record_offset() + iterator.get_record_length()
                if response is not None:
                    yield response
        finally:
            iterator.close()
    if end < size:  # warcio stopped early without complaint: a cut inside a record's first bytes, or junk
        if not _partial_tail(path, end):
            raise ArchiveCorrupt(f"{path}: {size - end} unreadable bytes after offset {end}")
        log.warning("%s: ignoring a partial last record at offset %d (%d bytes)", path, end, size - end)


def archive_files(directory: Path) -> list[Path]:
    """All run WARC files under ``directory`` (the ``YYYY/MM/DD/slant-*.warc.gz`` layout), oldest first.

    Ordered by date directory, then by the warcinfo record's date (several runs a day), then name.
    """
    directory = Path(directory)
    return sorted(directory.glob(_LAYOUT_GLOB), key=lambda p: (p.relative_to(directory).parts[:3], _created(p), p.name))


def _load(iterator: Any, record: Any, warc_file: str) -> ArchivedResponse | None:
    """Read a record fully and check it; ``None`` for records that are not responses."""
    # warcio yields a record cut short with whatever bytes there are: check type, lengths and digests.
    if record.rec_type is None or record.length is None:
        raise ArchiveCorrupt("record without WARC-Type or Content-Length (cut short?)")
    if record.rec_type != "response":
        drained = _drain(record.raw_stream)
        if drained != record.length or record.digest_checker.passed is False:
            raise ArchiveCorrupt(
                f"{record.rec_type} record is {drained} bytes, {record.length} expected, or bad digest"
            )
        return None
    http = record.http_headers
    if http is None:
        raise ArchiveCorrupt("response record without an HTTP message")
    chunks = []
    while chunk := record.raw_stream.read(_READ_CHUNK):
        chunks.append(chunk)
    body = b"".join(chunks)
    if record.payload_length >= 0 and len(body) != record.payload_length:
        raise ArchiveCorrupt(f"record body is {len(body)} bytes, {record.payload_length} expected (truncated)")
    if record.digest_checker.passed is not True:
        problems = "; ".join(record.digest_checker.problems) or "no digest verified"
        raise ArchiveCorrupt(f"record digest check failed: {problems}")
    rec = record.rec_headers
    url = rec.get_header("WARC-Target-URI")
    headers: dict[str, str] = {}
    for name, value in http.headers:
        key = name.lower()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return ArchivedResponse(
        url=url,
        status_code=int(http.get_statuscode()),
        headers=headers,
        body=body,
        fetched_at=iso_date_to_datetime(rec.get_header("WARC-Date"), tz_aware=True),
        ref=ArchiveRef(warc_file, iterator.get_record_offset(), iterator.get_record_length()),
        requested_url=rec.get_header(REQUESTED_URI) or url,
    )


def _http_headers(status_code: int, headers: Mapping[str, str], body_length: int, url: str) -> StatusAndHeaders:
    """The HTTP status line and headers as stored: wire-level headers replaced (see module docstring)."""
    kept: list[tuple[str, str]] = []
    for name, value in headers.items():
        if not _TOKEN.fullmatch(name):
            raise ValueError(f"{url}: {name!r} is not a valid HTTP header name")
        if "\r" in value or "\n" in value:
            raise ValueError(f"{url}: header {name} contains a line break")
        if name.lower() not in _WIRE_HEADERS:
            kept.append((name, value))
    kept.append(("Content-Length", str(body_length)))
    try:
        reason = HTTPStatus(status_code).phrase
    except ValueError:
        reason = ""
    return StatusAndHeaders(f"{status_code} {reason}".rstrip(), kept, protocol="HTTP/1.1")


def _utc(moment: datetime, what: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got {moment!r}")
    return moment.astimezone(UTC)


def _warc_date(moment: datetime) -> str:
    """WARC/1.1 date with microseconds, so ``fetched_at`` round-trips exactly."""
    return datetime_to_iso_date(_utc(moment, "fetched_at").replace(tzinfo=None), use_micros=True)


def _drain(stream: Any) -> int:
    """Read a stream to its end; return how many bytes that was."""
    total = 0
    while chunk := stream.read(_READ_CHUNK):
        total += len(chunk)
    return total


def _partial_tail(path: Path, offset: int) -> bool:
    """True if everything from ``offset`` to the end of the file is one unfinished gzip member
    (or NUL padding a crashed file system left): what a killed writer leaves behind."""
    decompressor = zlib.decompressobj(zlib.MAX_WBITS | 16)
    with open(path, "rb") as fh:
        fh.seek(offset)
        data = fh.read(_READ_CHUNK)
        if data and not data.strip(b"\x00"):
            return not fh.read().strip(b"\x00")
        try:
            while data:
                decompressor.decompress(data, _READ_CHUNK)  # output bounded; only the end matters
                if decompressor.eof:
                    return False  # a complete member: whatever is wrong, it is not truncation
                data = decompressor.unconsumed_tail or fh.read(_READ_CHUNK)
        except zlib.error:
            return False
    return True


def _created(path: Path) -> datetime:
    """When the run started: the warcinfo ``slant-run-started`` field (else its WARC-Date, else the mtime)."""
    try:
        with open(path, "rb") as fh:
            iterator = ArchiveIterator(fh)
            record = next(iterator, None)
            if record is not None and record.rec_type == "warcinfo":
                fields = record.raw_stream.read(_READ_CHUNK).decode("utf-8", "replace")
                started = re.search(r"^slant-run-started: *(\S+)", fields, re.MULTILINE)
                date = started.group(1) if started else record.rec_headers.get_header("WARC-Date")
                return iso_date_to_datetime(date, tz_aware=True)
    except (*_DAMAGE, OSError):
        pass
    return datetime.fromtimestamp(path.stat().st_mtime, UTC)


def _fsync_dirs(leaf: Path, top: Path) -> None:
    """fsync ``leaf`` and its parents up to ``top`` so a new file's directory entries are durable."""
    if os.name != "posix":
        return
    current = leaf
    while True:
        fd = os.open(current, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        if current == top or current.parent == current:
            return
        current = current.parent
