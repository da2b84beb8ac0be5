"""Health gates end to end: a sample blog "redesigns" overnight and the run says so.

Night 1 crawls the sample blogosphere as it is. On night 2 the hand-rolled blog serves every
post page as a script-rendered shell (same URLs, new validators, no text in the markup). The
run must keep every stored post, flag that source (``text_collapse``) in ``source_health``,
write the health artifact, and POST its summary to the webhook — a real HTTP receiver here.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import duckdb
import pytest

from flows.blogosphere import serve

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]

REDESIGNED = "ridgeline-review"  # the hand-rolled (generic) blog: its pages are fetched, not read from a feed


@pytest.fixture()
def receiver() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A webhook endpoint on loopback that keeps every JSON body POSTed to it."""
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(json.loads(body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    finally:
        server.shutdown()
        server.server_close()


def test_a_redesigned_blog_is_flagged_recorded_and_reported(
    tmp_path: Path, receiver: tuple[str, list[dict[str, Any]]]
) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from flows.nightly import nightly

    url, received = receiver
    db = tmp_path / "w.duckdb"
    runs = []
    ports = None
    for redesigned in (frozenset(), frozenset({REDESIGNED})):
        with serve("127.0.0.1", ports=ports, redesigned=redesigned) as sphere:
            ports = sphere.ports
            sources = tmp_path / "sources.yaml"
            sources.write_text(sphere.sources_yaml(), encoding="utf-8")
            overrides = {
                "allow_private": [sphere.host, "127.0.0.1"],
                "host_delay_s": 0.0,
                "revalidate_days": 36500,
                "webhook_url": url,
            }
            runs.append(nightly(str(sources), str(db), None, overrides))
    first, second = runs

    assert first["health"]["verdict"] == "healthy" and second["status"] == "completed"
    assert second["health"]["verdict"] == "warnings"
    assert [h["source_id"] for h in second["health"]["flagged"]] == [REDESIGNED]
    con = duckdb.connect(str(db), read_only=True)
    try:
        flags = dict(
            con.execute("SELECT source_id, flags FROM source_health WHERE run_id = ?", [second["run_id"]]).fetchall()
        )
        redesigned_posts = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE word_count > 50) FROM posts WHERE source_id = ?", [REDESIGNED]
        ).fetchone()
    finally:
        con.close()
    assert "text_collapse" in flags[REDESIGNED]
    assert all(not f for sid, f in flags.items() if sid != REDESIGNED)
    assert redesigned_posts is not None and redesigned_posts[0] == redesigned_posts[1] > 0  # nothing lost or blanked

    assert [r["run_id"] for r in received] == [first["run_id"], second["run_id"]]
    assert received[1]["verdict"] == "warnings" and received[1]["flagged"][0]["source_id"] == REDESIGNED

    async def artifacts() -> list[Any]:
        async with get_client() as client:
            return await client.read_artifacts(
                artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["nightly-health"]))
            )

    import asyncio

    health_md = [a.data for a in asyncio.run(artifacts())]
    assert any(REDESIGNED in str(md) and "text_collapse" in str(md) for md in health_md)
