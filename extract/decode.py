"""Turn fetched bytes into text without mojibake.

Order of trust: a byte-order mark, the charset in the Content-Type header, a ``<meta charset>``
(or ``http-equiv``) / XML declaration in the first few kilobytes, then charset-normalizer's guess
from the bytes themselves. A declared charset that fails to decode falls through to the guess.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_SNIFF_BYTES = 4096  # HTML5 says the meta charset must sit in the first 1024 bytes; be lenient
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w.:-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([\w.:-]+)""", re.I)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def _normalise(name: str) -> str | None:
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    # Browsers treat latin-1 and ascii labels as windows-1252 (WHATWG Encoding Standard).
    return "cp1252" if codec in ("latin-1", "iso8859-1", "ascii") else codec


def declared_charset(body: bytes, content_type: str = "") -> str | None:
    """The charset the response declares, from BOM, header, meta tag or XML declaration."""
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name
    header = _HEADER_CHARSET.search(content_type)
    labels = [str(header.group(1))] if header else []
    for pattern in (_META_CHARSET, _XML_ENCODING):
        found = pattern.search(body[:_SNIFF_BYTES])
        if found:
            labels.append(found.group(1).decode("ascii", "ignore"))
    for label in labels:
        codec = _normalise(label)
        if codec:
            return codec
    return None


def decode_body(body: bytes, content_type: str = "") -> str:
    """Decode ``body`` to text, trusting declarations first and the bytes last."""
    charset = declared_charset(body, content_type)
    if charset:
        try:
            return body.decode(charset)
        except (UnicodeDecodeError, LookupError):
            pass
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        best = from_bytes(body).best()
        return str(best) if best is not None else body.decode("cp1252", errors="replace")
