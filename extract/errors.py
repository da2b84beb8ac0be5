"""Every error slant raises on purpose, in one place.

Callers catch the branch they can handle; anything else is a bug. The tree::

    SlantError
     ├── ConfigError          bad settings (slant.toml or SLANT_* variables)
     │    ├── SourcesError    a sources file that does not validate (names file, entry, field)
     │    ├── TargetsError    a targets file that does not validate (names file, entry, field, expected)
     │    ├── ModelError      a model directory that cannot be used (missing, unreadable, wrong task)
     │    └── MissingExtra    a feature needs an optional extra that is not installed (names the install command)
     ├── FetchError           a URL could not be fetched; ``url`` says which
     │    ├── Blocked         we refused it ourselves: scheme, private address, robots.txt
     │    ├── FetchTimeout    connect/read timeout or the total deadline ran out
     │    ├── TooLarge        the body (after decompression) passed the size cap
     │    ├── HTTPStatusError the server answered with a status we cannot use (4xx, 5xx, 3xx loop)
     │    └── UnsupportedContent  not HTML, XML or JSON, whatever Content-Type claims
     ├── ParseError           a page, feed or sitemap that yields nothing usable
     ├── ArchiveCorrupt       a raw-archive (WARC) record that cannot be read back intact
     ├── HealthGateFailed     a nightly run stored its posts but failed its health gates
     ├── WarehouseError       the DuckDB warehouse cannot be used
     │    ├── DatabaseLocked  another process holds the database file (``pid``, ``command``, ``holder_writes``)
     │    ├── RunLocked       another writing run (nightly, reprocess, reclassify) is in progress
     │    └── DiskFull        free disk space is under the settings' minimum
     └── PublishError         a dataset release cannot be written or read (target not empty, bad
                              takedown file, metadata that does not validate, not a release)

Messages are written for the person reading the log: what failed, where, and what to do.
"""

from __future__ import annotations


class SlantError(Exception):
    """Base of every error slant raises deliberately."""


class ConfigError(SlantError):
    """Settings that cannot be used."""


class SourcesError(ConfigError):
    """A sources file that does not validate."""


class TargetsError(ConfigError):
    """A targets file (or a target given on the command line) that does not validate."""


class ModelError(ConfigError):
    """A model directory that is missing, unreadable, or made for another task."""


class MissingExtra(ConfigError):
    """A feature needs an optional extra (``pip install 'slant[NAME]'``) that is not installed."""

    def __init__(self, message: str, *, extra: str) -> None:
        super().__init__(message)
        self.extra = extra


class FetchError(SlantError):
    """A URL could not be fetched."""

    def __init__(self, message: str, *, url: str) -> None:
        super().__init__(message)
        self.url = url

    @property
    def kind(self) -> str:
        """Short machine-friendly name of the failure, used in fetch_log and run stats."""
        return type(self).__name__


class Blocked(FetchError):
    """Refused before any request: scheme, private address or robots.txt."""


class FetchTimeout(FetchError):
    """A connect/read timeout, or the total per-request deadline, ran out."""


class TooLarge(FetchError):
    """The body passed the size cap (counted after decompression)."""


class HTTPStatusError(FetchError):
    """The server answered with a status slant cannot use."""

    def __init__(self, message: str, *, url: str, status_code: int, retry_after: float | None = None) -> None:
        super().__init__(message, url=url)
        self.status_code = status_code
        self.retry_after = retry_after  # seconds the server asked us to wait (Retry-After), if it said


class UnsupportedContent(FetchError):
    """The body is not HTML, XML or JSON."""


class ParseError(SlantError):
    """A page, feed or sitemap that yields nothing usable."""


class ArchiveCorrupt(SlantError):
    """A WARC record that cannot be read back intact (bad ref, damaged file, digest mismatch)."""


class HealthGateFailed(SlantError):
    """Too many sources failed their health gates; the run is marked failed (nothing is lost)."""


class WarehouseError(SlantError):
    """The DuckDB warehouse cannot be used."""


class DatabaseLocked(WarehouseError):
    """Another process holds the DuckDB file."""

    def __init__(
        self, message: str, *, pid: int | None = None, command: str | None = None, holder_writes: bool = True
    ) -> None:
        super().__init__(message)
        self.pid = pid  # the holder's process id, as DuckDB reports it
        self.command = command  # its command line, when this machine can see it
        self.holder_writes = holder_writes  # False when the holder only reads


class RunLocked(WarehouseError):
    """Another writing run holds the database's run lock."""


class DiskFull(WarehouseError):
    """Less free disk space than the settings require."""


class PublishError(SlantError):
    """A dataset release cannot be written, or a directory is not a release."""
