"""Shared fixtures. Prefect's environment is set here, before anything imports prefect."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="slant-test-prefect-"))
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.pop("PREFECT_API_URL", None)  # tests never talk to a real server
for key in [k for k in os.environ if k.startswith("SLANT_")]:
    os.environ.pop(key)  # a developer's own settings must not change test results

SHARED = Path(__file__).resolve().parents[2] / "shared"
SEED_POST_HTML = SHARED / "samples" / "seed-post.html"


def need_shared(path: Path) -> Path:
    """Skip the calling test, with the reason, when the shared corpora are not beside the checkout."""
    if not path.exists():
        pytest.skip(f"{path} not present: the ../shared corpora are needed for this test")
    return path


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One ephemeral Prefect API for the whole session (start-up costs ~30 s on 2 cores)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


@pytest.fixture(scope="session")
def labeller():  # type: ignore[no-untyped-def]
    """The shipped default loaded-language model, built once per machine into the user's model cache."""
    from flows.settings import _user_model_cache
    from transform.labelling import load_labeller

    return load_labeller(None, _user_model_cache())


@pytest.fixture(scope="session")
def labelled_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small labelled warehouse (tests/warehouse/labelled.py), built once; copy it before changing it."""
    from tests.warehouse.labelled import build_labelled_db

    return build_labelled_db(tmp_path_factory.mktemp("labelled") / "w.duckdb")
