"""The one typed settings object, read from ``slant.toml`` and ``SLANT_*`` environment variables.

Precedence, highest first: values passed in code (the command line's flags), ``SLANT_*``
environment variables, the TOML file, the defaults below. The file is ``--config FILE``, else
``$SLANT_CONFIG``, else ``./slant.toml`` when present. Settings are built once, at the edge
(command line or flow entry), and passed down; nothing deeper reads the environment.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from extract.errors import ConfigError
from extract.fetch import FetchPolicy
from extract.guard import PrivatePolicy
from warehouse.health import HealthThresholds

CONTACT_URL = "https://github.com/slant-project/slant"
# The shipped targets file (current UK and US parties, leaders, a few policies), found beside the code.
DEFAULT_TARGETS = Path(__file__).resolve().parents[1] / "sources" / "targets.yaml"


def _user_model_cache() -> Path:
    """``$XDG_CACHE_HOME/slant/models`` (default ``~/.cache/slant/models``)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "slant" / "models"


class Settings(BaseSettings):
    """Every knob of a slant run; see ``docs/settings.md`` for the reasons behind the defaults."""

    model_config = SettingsConfigDict(env_prefix="SLANT_", extra="forbid", frozen=True)

    db_path: Path = Path("data/slant.duckdb")
    # Raw responses (WARC, one file per run); default: an "archive" folder beside the database.
    archive_dir: Path | None = None
    archive: bool = True
    user_agent: str = f"slant/0.1 (political-blog research crawler; +{CONTACT_URL})"
    # Blogs answer in well under a second; 5 s to connect and 20 s between bytes only cut off
    # hosts that are effectively down, and 60 s total stops slow-drip (tarpit) responses.
    connect_timeout_s: float = Field(5.0, gt=0)
    read_timeout_s: float = Field(20.0, gt=0)
    total_timeout_s: float = Field(60.0, gt=0)
    # The largest real blog pages measured are ~3 MB; 10 MB leaves room and stops bombs early.
    max_body_bytes: int = Field(10 * 1024 * 1024, gt=0)
    # Real sites chain at most 2-3 redirects (http->https->www->slash); more is a loop or a trap.
    max_redirects: int = Field(5, ge=0)
    # Two retries turn a flapping 503 into a success without hammering a struggling host.
    retries: int = Field(2, ge=0)
    # One request per second per host is the common courtesy rate for research crawlers.
    host_delay_s: float = Field(1.0, ge=0)
    # Hosts fetched in parallel; I/O-bound, so more threads than cores is right.
    max_hosts_in_parallel: int = Field(8, ge=1)
    # Pages per transform task and load transaction, packed across sources. Sized for Dask, whose
    # fixed cost per Prefect task measured 0.20-0.36 CPU-s (0.9-2.2 s wall on this loaded 2-core box)
    # against 0.068-0.096 CPU-s (0.17-0.36 s wall) of work per real blog page: under 5 % needs
    # 57-75 pages by CPU, 76-202 by wall time (bench/dask_overhead.py, five runs); 250 keeps it at
    # or under 1.5 % of the CPU and 4 % of the wall time in every run. Threads: ~5 ms a task.
    batch_size: int = Field(250, ge=1)
    # Transform batches submitted but not yet written before harvesting pauses. A batch of 250
    # pages holds about 50 MB (page HTML, text, sentences, labels), so 4 bound the night's
    # backlog near 200 MB whatever its size, and keep two Dask workers (or the threads) busy
    # with one more batch queued behind each.
    max_batches_in_flight: int = Field(4, ge=1)
    # DuckDB's buffer pool for the writing runs (DuckDB's own syntax, "" for DuckDB's default of
    # 80 % of RAM). A writer needs about one batch's inserts and the index pages they touch: the
    # DuckDB memory of loading 250-post batches peaked near 60 MB. Above that DuckDB only keeps
    # table and index blocks it has already written, which grow with the warehouse: at 1 GB they
    # reached 110-140 MB by 10,000 posts and made the night's resident memory grow with the
    # warehouse; at 128 MB DuckDB evicts them (and reads them back when a query needs them), which
    # cost no load time and cut a 10,000-post load's peak by ~100 MB (docs/operations.md, *Memory*).
    # Raise it with batch_size: an insert that cannot fit fails with DuckDB's "Out of Memory Error".
    db_memory_limit: str = "128MB"
    # Where transform batches run: "threads" in the flow process (the default: nothing to set
    # up, right for one machine), or "dask" (a Dask cluster; see docs/operations.md,
    # "Scale-out on Dask"). Harvesting and the DuckDB writes stay in the flow process either way.
    task_runner: Literal["threads", "dask"] = "threads"
    # A running Dask scheduler (tcp://host:8786) for task_runner = "dask"; None starts a
    # LocalCluster on 127.0.0.1 for the run and stops it afterwards.
    dask_address: str | None = None
    # LocalCluster worker processes (one thread each: the transform is CPU-bound Python, so a
    # second thread in a process only contends for its GIL). One per core of the 2-core target.
    dask_workers: int = Field(2, ge=1)
    # Stored posts younger than this are re-checked every night (a conditional GET, usually a
    # 304), so edits and deletions are seen; bloggers rarely touch posts older than a month.
    revalidate_days: int = Field(30, ge=0)
    # Consecutive failures (timeouts, 5xx, 429, refused connections) before a host is left
    # alone for the night: enough to ride out a blip, few enough not to hammer a sick server.
    host_failure_limit: int = Field(5, ge=1)
    # How long a writer waits for another process to release the database before failing.
    db_lock_wait_s: float = Field(60.0, ge=0)
    allow_private: Annotated[bool | list[str], NoDecode] = False
    # Releases (slant publish). The text policy applies to every source whose sources-file entry
    # does not say `republish: false` (those always get "none"); "excerpt" is the default because
    # a release is redistributed, and a short excerpt plus the labelled sentences is what a
    # reader needs to judge a label, not the whole copyrighted post.
    release_text: Literal["full", "excerpt", "none"] = "excerpt"
    # 300 characters is about two sentences: enough to identify the post and its framing, short
    # enough to stay a quotation rather than a copy.
    release_excerpt_chars: int = Field(300, ge=0)
    # URLs and source ids that no release may carry. A missing file is an error, never "nothing
    # to exclude", so a release run from the wrong directory cannot skip the takedowns.
    takedown_file: Path = Path("takedown.txt")
    # Our labels and metadata; the posts' own words stay their authors' (the dataset card says so).
    release_license: str = "cc-by-4.0"
    release_name: str = "slant-political-blogs"
    release_homepage: str = CONTACT_URL
    # Health gates (docs/operations.md). A source is flagged when tonight's posts fall under
    # half its 14-night median, or when most pages extract to nothing or to fewer words than
    # health_short_words (a blog post under 50 words is a teaser or a broken theme, not a post).
    health_short_words: int = Field(50, ge=0)
    health_min_yield_ratio: float = Field(0.5, ge=0, le=1)
    health_max_short_share: float = Field(0.5, ge=0, le=1)
    health_max_no_date_share: float = Field(0.5, ge=0, le=1)
    # Many blogs never name an author; only a near-total loss of bylines is a signal.
    health_max_no_author_share: float = Field(0.9, ge=0, le=1)
    health_max_fallback_share: float = Field(0.5, ge=0, le=1)
    health_max_error_rate: float = Field(0.5, ge=0, le=1)
    # The run fails when at least this share of sources is flagged: that is an outage or a
    # broken extractor, not one blog's theme change (which only warns).
    health_fail_share: float = Field(0.5, gt=0, le=1)
    # Called with the run's health summary (JSON POST) after every nightly run; None: no call.
    webhook_url: str | None = None
    # Stop before writing when the database's disk has less free space than this: DuckDB needs
    # room for its WAL and checkpoint, and a full disk mid-checkpoint is the one crash to avoid.
    min_free_disk_mb: int = Field(500, ge=0)
    # The loaded-language model that labels posts (a `slant train loaded` directory); None means
    # the shipped default, built from the project's own examples into models_dir on first use.
    loaded_model: Path | None = None
    # Built models are cached per user, not per database: building the default takes ~15-40 s
    # and is the same for every database on the machine.
    models_dir: Path = Field(default_factory=_user_model_cache)
    # The targets stance is measured toward (docs/stance.md); the shipped file covers the parties
    # and leaders the sample blogs and most UK/US political blogs write about.
    targets_path: Path = DEFAULT_TARGETS
    # Stance and leaning models (`slant train stance|leaning` directories); None means the shipped
    # defaults, trained on the project's own examples and built into models_dir on first use.
    stance_model: Path | None = None
    leaning_model: Path | None = None
    # The HTML report (docs/report.md) each successful nightly run leaves behind. Default path:
    # beside the database and named after it (data/slant.duckdb -> data/slant.report.html), so
    # two warehouses in one folder never overwrite each other's report. `report = false` stops it.
    report: bool = True
    report_path: Path | None = None

    @field_validator("allow_private", mode="before")
    @classmethod
    def _parse_allow_private(cls, value: Any) -> bool | list[str]:
        if isinstance(value, str):
            text = value.strip()
            if text.lower() in ("1", "true", "yes", "any"):
                return True
            if text.lower() in ("", "0", "false", "no"):
                return False
            return [part.strip() for part in text.split(",") if part.strip()]
        return value  # type: ignore[no-any-return]

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The TOML file comes from model_config["toml_file"], set per call by load_settings.
        return init_settings, env_settings, TomlConfigSettingsSource(settings_cls)

    @property
    def archive_path(self) -> Path:
        """Where the WARC files go: ``archive_dir``, or ``archive/`` beside the database."""
        return self.archive_dir if self.archive_dir is not None else self.db_path.parent / "archive"

    @property
    def report_file(self) -> Path:
        """Where the report goes: ``report_path``, or ``<database name>.report.html`` beside the database."""
        return self.report_path if self.report_path is not None else self.db_path.with_suffix(".report.html")

    def private_policy(self) -> PrivatePolicy:
        if self.allow_private is True:
            return PrivatePolicy(any_host=True)
        if self.allow_private is False:
            return PrivatePolicy()
        return PrivatePolicy(hosts=frozenset(h.lower() for h in self.allow_private))

    def health_thresholds(self) -> HealthThresholds:
        return HealthThresholds(
            min_yield_ratio=self.health_min_yield_ratio,
            max_short_share=self.health_max_short_share,
            max_no_date_share=self.health_max_no_date_share,
            max_no_author_share=self.health_max_no_author_share,
            max_fallback_share=self.health_max_fallback_share,
            max_error_rate=self.health_max_error_rate,
            fail_share=self.health_fail_share,
        )

    def fetch_policy(self) -> FetchPolicy:
        return FetchPolicy(
            user_agent=self.user_agent,
            connect_timeout_s=self.connect_timeout_s,
            read_timeout_s=self.read_timeout_s,
            total_timeout_s=self.total_timeout_s,
            max_body_bytes=self.max_body_bytes,
            max_redirects=self.max_redirects,
            retries=self.retries,
            private=self.private_policy(),
        )


def config_file(explicit: Path | None = None) -> Path | None:
    """The TOML file in force: ``explicit``, ``$SLANT_CONFIG``, or ``./slant.toml`` if it exists."""
    if explicit is not None:
        return explicit
    if os.environ.get("SLANT_CONFIG"):
        return Path(os.environ["SLANT_CONFIG"])
    local = Path("slant.toml")
    return local if local.exists() else None


def load_settings(config: Path | None = None, **overrides: Any) -> Settings:
    """Build the settings; ``overrides`` (e.g. from command-line flags) win over everything."""
    path = config_file(config)
    if path is not None and not path.exists():
        raise ConfigError(f"{path}: settings file not found")

    class _FromFile(Settings):
        model_config = SettingsConfigDict(toml_file=path)

    try:
        return _FromFile(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        where = str(path) if path else "settings"
        lines = [f"{where}: {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        raise ConfigError("invalid settings:\n  " + "\n  ".join(lines)) from exc
