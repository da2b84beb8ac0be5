"""Hostile payloads: a gzip bomb, billion-laughs feeds, a PNG, and a 50 MB page.

Gzip bomb build time
--------------------
``gzip_bomb()`` is 1 GiB of zeros, deflated. It is built once per process, lazily (the first
``/bomb`` request), and cached. Feeding all 1024 one-MiB chunks through ``zlib.compressobj``
takes 2 s at level 1 (4.7 MB out) and 4-5 s at level 9 (1.0 MB out) on the 2-core test box, too
slow for a fixture. So the compressor is fed 1 MiB zero chunks each followed by a
``Z_FULL_FLUSH``: a full flush resets the deflate state, so from the second chunk on every
chunk compresses to the *same* bytes, and after two of them the block is simply repeated. The
gzip header and trailer (CRC-32 and size of the 1 GiB of zeros) are written by hand. The result
is a valid single-member gzip stream of ~1.06 MB that inflates to exactly 1 GiB; building it
takes ~0.4 s, nearly all of it the CRC-32 over 1 GiB.
"""

from __future__ import annotations

import hashlib
import struct
import threading
import zlib
from collections.abc import Iterator
from functools import lru_cache

BOMB_INFLATED = 1 << 30  # 1 GiB
_MIB = 1 << 20
HUGE_BYTES = 50 * _MIB
HUGE_CHUNK = 64 * 1024
_bomb_lock = threading.Lock()
_bomb: bytes | None = None


def gzip_bomb() -> bytes:
    """1 GiB of zeros as a gzip stream (~1 MB), built on first use and cached."""
    global _bomb
    with _bomb_lock:
        if _bomb is None:
            _bomb = _build_bomb()
        return _bomb


def _build_bomb() -> bytes:
    zeros = bytes(_MIB)
    deflater = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    first = deflater.compress(zeros) + deflater.flush(zlib.Z_FULL_FLUSH)
    block = deflater.compress(zeros) + deflater.flush(zlib.Z_FULL_FLUSH)
    again = deflater.compress(zeros) + deflater.flush(zlib.Z_FULL_FLUSH)
    if again != block:  # the repetition trick relies on full flushes resetting the state
        raise RuntimeError("zlib did not repeat full-flushed blocks; cannot build the bomb quickly")
    chunks = BOMB_INFLATED // _MIB
    crc = 0
    for _ in range(chunks):
        crc = zlib.crc32(zeros, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"  # deflate, no flags, mtime 0, max compression, OS unknown
    final = deflater.flush(zlib.Z_FINISH)  # an empty final block
    trailer = struct.pack("<II", crc, BOMB_INFLATED & 0xFFFFFFFF)
    return header + first + block * (chunks - 1) + final + trailer


def billion_laughs(base: str, *, one_line: bool) -> str:
    """An RSS document whose DTD declares the ten-level "lol" entity bomb (~3 GB if expanded).

    ``one_line`` puts every declaration on a single line, which slips past feedparser's own
    line-anchored doctype scrubber (see ``extract.xmlguard``).
    """
    decls = ['<!ENTITY lol "lol">']
    decls += [f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">' for n in range(1, 10)]
    sep = "" if one_line else "\n  "
    doctype = "<!DOCTYPE rss [" + sep + sep.join(decls) + ("" if one_line else "\n") + "]>"
    return f"""<?xml version="1.0" encoding="UTF-8"?>
{doctype}
<rss version="2.0">
<channel>
<title>&lol9;</title>
<link>{base}</link>
<description>&lol9;</description>
<item>
<title>&lol9;</title>
<link>{base}posts/laughing-matter</link>
<description>&lol9;</description>
</item>
</channel>
</rss>
"""


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


@lru_cache(maxsize=1)
def png_image() -> bytes:
    """A real 64x64 RGB PNG (a diagonal gradient), deterministic."""
    width = height = 64
    rows = b"".join(b"\x00" + b"".join(bytes((x * 4, y * 4, (x + y) * 2)) for x in range(width)) for y in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", zlib.compress(rows, 9))
        + _png_chunk(b"IEND", b"")
    )


def _huge_head() -> bytes:
    return (
        b'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>The Longest Manifesto</title></head>\n'
        b"<body><article><h1>The Longest Manifesto</h1>\n"
    )


def _filler_chunk() -> bytes:
    line = b"<p>And furthermore, the committee resolves to consider the matter at a later date.</p>\n"
    return (line * (HUGE_CHUNK // len(line) + 1))[:HUGE_CHUNK]


def huge_chunks() -> Iterator[bytes]:
    """The 50 MiB page in 64 KiB chunks: an HTML head, then endless resolutions, never closed."""
    head = _huge_head()
    filler = _filler_chunk()
    yield head + filler[: HUGE_CHUNK - len(head)]
    for _ in range(HUGE_BYTES // HUGE_CHUNK - 1):
        yield filler


@lru_cache(maxsize=1)
def huge_etag() -> str:
    """The strong ETag of the whole 50 MiB page (hashed once, ~0.1 s)."""
    digest = hashlib.sha256()
    for chunk in huge_chunks():
        digest.update(chunk)
    return '"' + digest.hexdigest()[:20] + '"'
