"""Memory stays bounded on a hostile site: the 50 MB body and the 1 GB gzip bomb are cut at the cap."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.extract.hostile import hostile_web

REPO = Path(__file__).resolve().parents[2]
LIMIT_MB = 300  # the crawler issue's bound for a crawl that meets both

# The crawl runs in a fresh interpreter (the sites stay in this one), so ru_maxrss is the
# crawler's own peak: not the test session's, not the servers'.
SCRIPT = r"""
import json, sys
from pathlib import Path
from extract.harvest import harvest_host
from extract.sources import load_sources
from flows.settings import load_settings

sources = [s for s in load_sources(Path(sys.argv[1])) if s.id == "faults-brackwater"]
settings = load_settings(allow_private=sys.argv[2].split(","), host_delay_s=0.0)
(harvest,) = harvest_host(sources, {}, settings.fetch_policy(), 0.0)
kinds = sorted({r.error_kind for r in harvest.records if r.error_kind})
# VmHWM, not ru_maxrss: ru_maxrss survives exec, so it would count the forked copy of the test
# session itself (hundreds of MB by then); VmHWM belongs to this program's own address space.
status = Path("/proc/self/status").read_text()
peak_mb = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))) / 1024

print(json.dumps({"peak_mb": peak_mb, "kinds": kinds}))
"""


def test_peak_rss_of_a_crawl_with_the_huge_body_and_the_gzip_bomb_is_bounded(tmp_path: Path) -> None:
    # Without the site's 2 s Crawl-delay: the same requests and bodies, so the same peak, sooner.
    with hostile_web(crawl_delays=False) as web:
        sources = tmp_path / "hostile.yaml"
        sources.write_text(web.sources_yaml(), encoding="utf-8")
        done = subprocess.run(
            [sys.executable, "-c", SCRIPT, str(sources), ",".join(web.allowed_hosts)],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=300,
            env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        )
        hits = {r.path for r in web.request_log}
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert "/huge" in hits and "/bomb" in hits  # both were really requested
    assert "TooLarge" in result["kinds"]
    print(f"peak RSS {result['peak_mb']:.0f} MB")
    assert result["peak_mb"] < LIMIT_MB, result
