"""Crawl wall time over the politeness lower bound, on the sample blogosphere with added latency.

The lower bound of a polite crawl is set by the busiest host: its requests never overlap and
never start closer than the minimum interval, so n requests take at least (n - 1) × interval
plus one response's latency; hosts run in parallel. slant spaces requests from the end of one to
the start of the next (so the server never sees them closer), which adds about latency/interval
per request over this bound: 5 % at the default 1 s and 50 ms. A ratio near 1 means the crawl is bounded

by politeness, not by our overhead; hosts crawled one after another would give roughly the
number of hosts.


Run: ``make bench`` (or ``python -m bench.crawl``).
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from extract.harvest import harvest_host
from extract.sources import parse_sources
from extract.urls import host_key
from flows.blogosphere import serve
from flows.settings import load_settings

LATENCY_S = 0.05  # the 50 ms per response
INTERVAL_S = 1.0  # the default host_delay_s: what a real night uses


def crawl_ratio(latency_s: float = LATENCY_S, interval_s: float = INTERVAL_S) -> dict[str, float]:
    """Harvest every sample blog in parallel (as the nightly flow does) and compare with the bound."""
    with serve("127.0.0.1", latency_s=latency_s) as sphere:
        sources = parse_sources(sphere.sources_yaml(), Path("sample.yaml"))
        settings = load_settings(allow_private=[sphere.host], host_delay_s=interval_s)
        groups: dict[str, list] = {}
        for source in sources:
            groups.setdefault(host_key(source.url), []).append(source)
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=len(groups)) as pool:
            harvests = [
                h
                for hs in pool.map(lambda g: harvest_host(g, {}, settings.fetch_policy(), interval_s), groups.values())
                for h in hs
            ]
        wall = time.monotonic() - started
    per_host = Counter(host_key(r.url) for h in harvests for r in h.records)
    busiest = max(per_host.values())
    bound = (busiest - 1) * interval_s + latency_s  # the first request needs no wait; the last its latency
    return {
        "hosts": len(per_host),
        "requests": sum(per_host.values()),
        "busiest_host_requests": busiest,
        "lower_bound_s": round(bound, 2),
        "wall_s": round(wall, 2),
        "ratio": round(wall / bound, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=LATENCY_S)
    parser.add_argument("--interval", type=float, default=INTERVAL_S)
    args = parser.parse_args()
    result = crawl_ratio(args.latency, args.interval)
    print(
        f"crawl: {result['hosts']} hosts, {result['requests']} requests; busiest host "
        f"{result['busiest_host_requests']} requests at {args.interval} s + {args.latency} s latency = lower bound "
        f"{result['lower_bound_s']} s; wall {result['wall_s']} s; ratio {result['ratio']}"
    )


if __name__ == "__main__":
    main()
