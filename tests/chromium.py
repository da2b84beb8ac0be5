"""Open a local HTML file in headless Chromium and report what a reader would see.

Chromium is Debian's ``chromium`` package, started with ``--headless --no-sandbox --disable-gpu
--disable-background-networking``, a fresh user-data directory and its DevTools endpoint on
127.0.0.1 only. The page is driven over the DevTools protocol (a websocket, ``websockets``'
synchronous client): console messages, uncaught exceptions, log entries and every request the
page makes are recorded from the moment it starts loading, so a console error or a fetch from the
network cannot go unseen. Used by the browser tests and by ``make bench-report``.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.sync.client import ClientConnection, connect

# Flags the issue names, plus the ones that keep a fresh headless profile quiet and offline:
# no first-run tasks, no component updates, no crash reporter, no sync, no metrics.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-sync",
    "--metrics-recording-only",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-dev-shm-usage",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
)
# Schemes a self-contained page may load from: itself, inline data, and blobs it makes.
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")
# What the page must set when every chart is drawn (see flows/report/page.html).
READY_EXPRESSION = "document.body ? document.body.dataset.chartsReady || null : null"
# Every chart container, and whether Plotly drew it: an SVG of the plot, at least one trace
# element (a line, bar or heat-map image) and a visible size.
CHECK_CHARTS = """
(() => Array.from(document.querySelectorAll('.chart')).map(el => {
  const box = el.getBoundingClientRect();
  const traces = el.querySelectorAll(
    '.scatterlayer .trace path.js-line, .scatterlayer .trace .point, .barlayer .trace .point path, ' +
    '.heatmaplayer .hm image, .heatmaplayer .hm');
  return {id: el.id, plotly: el.classList.contains('js-plotly-plot'),
          svg: el.querySelectorAll('svg.main-svg').length, traces: traces.length,
          data: (el._fullData || []).length, width: Math.round(box.width), height: Math.round(box.height)};
}))()
"""


def find_chromium() -> str | None:
    """The Chromium executable on ``PATH``, or ``None``."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass(frozen=True)
class Chart:
    id: str
    plotly: bool
    svg: int
    traces: int
    data: int
    width: int
    height: int

    @property
    def drawn(self) -> bool:
        return self.plotly and self.svg > 0 and self.traces > 0 and self.data > 0 and self.width > 0

    @classmethod
    def of(cls, raw: dict[str, Any]) -> Chart:
        return cls(**{k: raw[k] for k in ("id", "plotly", "svg", "traces", "data", "width", "height")})


@dataclass(frozen=True)
class PageVisit:
    """What loading one page showed."""

    url: str
    ready: str | None  # the page's own "charts drawn" mark: the number drawn, or "error"
    charts: tuple[Chart, ...]
    console_errors: tuple[str, ...]
    remote_requests: tuple[str, ...]  # anything the page asked for that was not local
    ready_ms: float  # navigation start to every chart drawn, by the page's own clock
    wall_ms: float  # Page.navigate sent to the ready mark seen, by ours
    screenshot: Path
    empty_states: int
    title: str
    timing: dict[str, float] = field(default_factory=dict)  # the navigation's milestones, ms
    drawn_ms: dict[str, float] = field(default_factory=dict)  # per chart: newPlot called to drawn
    log: tuple[str, ...] = field(default=())

    @property
    def drawn(self) -> int:
        return sum(1 for c in self.charts if c.drawn)


class _DevTools:
    """A minimal DevTools-protocol session on one page target: commands and an event log."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, timeout_s: float = 30.0, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        wanted = self.next_id
        self.ws.send(json.dumps({"id": wanted, "method": method, "params": params}))
        deadline = time.monotonic() + timeout_s
        while True:
            message = json.loads(self.ws.recv(timeout=max(0.01, deadline - time.monotonic())))
            if message.get("id") == wanted:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})  # type: ignore[no-any-return]
            if "method" in message:
                self.events.append(message)

    def pump(self, timeout_s: float) -> None:
        """Collect events for up to ``timeout_s`` seconds."""
        try:
            while True:
                message = json.loads(self.ws.recv(timeout=timeout_s))
                if "method" in message:
                    self.events.append(message)
        except TimeoutError:
            return

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"evaluate failed: {result['exceptionDetails']}")
        return result["result"].get("value")


def _console_errors(events: list[dict[str, Any]]) -> list[str]:
    errors = []
    for event in events:
        method, params = event["method"], event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", [])))
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            errors.append(str(details.get("exception", {}).get("description") or details.get("text")))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            errors.append(f"{params['entry'].get('source')}: {params['entry'].get('text')}")
    return errors


def _devtools_port(profile: Path, process: subprocess.Popen[bytes], timeout_s: float) -> int:
    """Chromium writes the port it chose (``--remote-debugging-port=0``) into the profile."""
    marker = profile / "DevToolsActivePort"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"chromium exited with {process.returncode} before opening DevTools")
        if marker.exists():
            lines = marker.read_text(encoding="utf-8").split()
            if lines:
                return int(lines[0])
        time.sleep(0.05)
    raise RuntimeError(f"chromium did not open DevTools within {timeout_s} s")


def visit(
    page: Path,
    screenshot: Path,
    *,
    chromium: str | None = None,
    timeout_s: float = 60.0,
    width: int = 1280,
    height: int = 900,
) -> PageVisit:
    """Load ``page`` in a fresh headless Chromium, wait for its charts, check them, take a screenshot."""
    executable = chromium or find_chromium()
    if executable is None:
        raise RuntimeError("chromium is not installed (apt-get install chromium)")
    url = page.resolve().as_uri()
    # Chromium's helpers (zygote, crashpad) can still be writing into the profile when the browser
    # process has exited; they are stopped as a process group below, and a profile file that
    # appears while the folder is removed must not fail a test whose page was checked.
    with tempfile.TemporaryDirectory(prefix="slant-chromium-", ignore_cleanup_errors=True) as tmp:
        profile = Path(tmp) / "profile"
        profile.mkdir()
        process = subprocess.Popen(
            [executable, *FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group, so every helper process is stopped with it
        )
        try:
            port = _devtools_port(profile, process, timeout_s)
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as answer:
                targets = json.load(answer)
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/version", timeout=10) as answer:
                browser_ws = json.load(answer)["webSocketDebuggerUrl"]
            target = next(t for t in targets if t.get("type") == "page")
            with (
                connect(target["webSocketDebuggerUrl"], max_size=None, open_timeout=10) as ws,
                connect(browser_ws, max_size=None, open_timeout=10) as browser,
            ):
                return _drive(_DevTools(ws), _DevTools(browser), url, screenshot, timeout_s, width)  # type: ignore[arg-type]  # websockets sync client: same object
        finally:
            _stop_group(process)


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM Chromium's process group, SIGKILL what is left after 10 s, and reap the browser."""
    for sig, wait_s in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=wait_s)
        except subprocess.TimeoutExpired:
            continue
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline and _group_alive(process.pid):
            time.sleep(0.05)
        if not _group_alive(process.pid):
            break


def _group_alive(pgid: int) -> bool:
    """Whether a process of group ``pgid`` still runs (zombies, which hold no files, do not count)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            return True
    return False


def _renderer_cpu_ms(browser: _DevTools) -> float:
    """CPU time used so far by Chromium's renderer processes (the page's JavaScript, layout and paint)."""
    info = browser.call("SystemInfo.getProcessInfo").get("processInfo", [])
    return sum(float(p.get("cpuTime", 0.0)) for p in info if p.get("type") == "renderer") * 1000


def _drive(tools: _DevTools, browser: _DevTools, url: str, screenshot: Path, timeout_s: float, width: int) -> PageVisit:
    for domain in ("Page", "Runtime", "Log", "Network", "Performance"):
        tools.call(f"{domain}.enable")
    cpu_before = _renderer_cpu_ms(browser)
    started = time.monotonic()
    tools.call("Page.navigate", url=url)
    ready = None
    deadline = started + timeout_s
    while time.monotonic() < deadline:
        ready = tools.evaluate(READY_EXPRESSION)
        if ready is not None:
            break
        tools.pump(0.02)
    wall_ms = (time.monotonic() - started) * 1000
    cpu_ms = _renderer_cpu_ms(browser) - cpu_before
    tools.pump(0.3)  # late console messages, if any
    state = tools.evaluate(
        "({readyMs: window.slantReport ? window.slantReport.readyMs : null, "
        "startMs: window.slantReport ? window.slantReport.startMs : null, "
        "drawnMs: window.slantReport ? window.slantReport.drawnMs : null, title: document.title, "
        "empty: document.querySelectorAll('.empty').length, "
        "nav: performance.getEntriesByType('navigation').map(e => ({domInteractive: e.domInteractive, "
        "domContentLoaded: e.domContentLoadedEventEnd, load: e.loadEventEnd}))[0] || null})"
    )
    charts = tuple(Chart.of(c) for c in tools.evaluate(CHECK_CHARTS) or [])
    # Main-thread busy time (seconds in the metrics): unlike wall time, barely moved by other load.
    metrics_now = {m["name"]: m["value"] for m in tools.call("Performance.getMetrics").get("metrics", [])}
    busy = {k: round(metrics_now[k] * 1000, 1) for k in ("TaskDuration", "ScriptDuration") if k in metrics_now}
    metrics = tools.call("Page.getLayoutMetrics")
    content = metrics.get("cssContentSize") or metrics["contentSize"]
    shot = tools.call(
        "Page.captureScreenshot",
        timeout_s=60,
        format="png",
        captureBeyondViewport=True,
        clip={"x": 0, "y": 0, "width": max(width, content["width"]), "height": content["height"], "scale": 1},
    )
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    screenshot.write_bytes(base64.b64decode(shot["data"]))
    requests = [e["params"]["request"]["url"] for e in tools.events if e["method"] == "Network.requestWillBeSent"]
    return PageVisit(
        url=url,
        ready=None if ready is None else str(ready),
        charts=charts,
        console_errors=tuple(_console_errors(tools.events)),
        remote_requests=tuple(u for u in requests if not u.startswith(LOCAL_SCHEMES)),
        ready_ms=float(state["readyMs"]) if state and state.get("readyMs") is not None else float("nan"),
        wall_ms=wall_ms,
        screenshot=screenshot,
        empty_states=int(state["empty"]) if state else 0,
        title=str(state["title"]) if state else "",
        timing={
            **{k: round(float(v), 1) for k, v in ((state or {}).get("nav") or {}).items()},
            **busy,
            "rendererCpu": round(cpu_ms, 1),
            **({"scriptStart": round(float(state["startMs"]), 1)} if state and state.get("startMs") else {}),
        },
        drawn_ms={str(k): float(v) for k, v in ((state or {}).get("drawnMs") or {}).items()},
        log=tuple(
            f"{e['method']}: {json.dumps(e.get('params', {}))[:300]}"
            for e in tools.events
            if e["method"] in ("Runtime.consoleAPICalled", "Log.entryAdded", "Runtime.exceptionThrown")
        ),
    )
