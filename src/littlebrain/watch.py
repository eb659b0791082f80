"""`littlebrain watch RUN`: a live page that follows a running (or resumed) run.

A run writes what the page needs as it goes: metrics.csv (a row per episode), probes.csv (the
brain's signals every `probe_every` steps) and live/frame.png (what the brain sees, about once
a second, written by `littlebrain.animation.LiveFrame`, a callback on the agent loop). The
server only reads those files, so watching never slows or changes the run, and a page can
follow a run that was resumed in another process. The page is one HTML file with its script
inline (no network beyond this local server) that polls /data.json each second and redraws the
curves.
"""

from __future__ import annotations

import json
import math
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np

from littlebrain.errors import LittlebrainError, RunFolderError

#: points per curve sent to the page at most (the page thins, the files keep everything)
MAX_POINTS = 400


def snapshot(run: Path) -> dict[str, Any]:
    """What the page shows now, read from the run folder's files."""
    from littlebrain.plots import rolling_mean, thinned
    from littlebrain.probes import read_probes
    from littlebrain.runs import read_metrics

    data: dict[str, Any] = {"run": run.name, "time": time.time()}
    try:
        metrics = read_metrics(run / "metrics.csv")
    except RunFolderError:
        metrics = {"step": np.zeros(0), "score": np.zeros(0)}
    keep = thinned(len(metrics["step"]), MAX_POINTS)
    mean = rolling_mean(metrics["score"], 100) if len(metrics["score"]) else np.zeros(0)
    data["episodes"] = int(len(metrics["score"]))
    data["curve"] = {
        "step": metrics["step"][keep].tolist(),
        "score": metrics["score"][keep].tolist(),
        "mean": mean[keep].tolist(),
    }
    probes: dict[str, list[float | None]] = {}
    step = int(metrics["step"][-1]) if len(metrics["step"]) else 0
    if (run / "probes.csv").is_file():
        try:
            table = read_probes(run / "probes.csv")
        except RunFolderError:
            table = {}
        if table and len(table["step"]):
            keep = thinned(len(table["step"]), MAX_POINTS)
            probes = {k: [_json_float(v) for v in table[k][keep]] for k in table}
            step = max(step, int(table["step"][-1]))
    data["probes"] = probes
    data["step"] = step
    summary = run / "summary.json"
    data["finished"] = False
    if summary.is_file():
        try:
            facts = json.loads(summary.read_text(encoding="utf-8"))
            data["finished"] = bool(facts.get("finished")) and facts.get("steps", 0) >= step
        except (OSError, ValueError):
            pass
    frame = run / "live" / "frame.png"
    data["frame"] = frame.stat().st_mtime if frame.is_file() else None
    return data


def _json_float(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>littlebrain watch: RUN_NAME</title>
<style>
body { font: 15px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
#top { display: flex; gap: 2em; align-items: flex-start; flex-wrap: wrap; }
.panel { border: 1px solid #ddd; padding: .5em; } h1 { font-size: 1.4em; }
#probes { display: grid; grid-template-columns: repeat(3, 300px); gap: .6em; margin-top: 1em; }
.probe div { font-size: 12px; color: #444; } svg { background: #fcfcfc; }
#frame { image-rendering: pixelated; width: 240px; height: 240px; background: #111; }
</style></head><body>
<h1>littlebrain watch: RUN_NAME</h1>
<p>step <b id="step">0</b> &middot; episodes <b id="episodes">0</b> &middot;
mean of the last 100 episodes <b id="mean">-</b> &middot; <span id="status">waiting</span></p>
<div id="top">
 <div class="panel"><div>what the brain sees</div><img id="frame" alt="frame"></div>
 <div class="panel"><div>score per episode, and the mean of the last 100</div>
  <svg id="curve" width="640" height="260"></svg></div>
</div>
<div id="probes"></div>
<script>
"use strict";
const NS = "http://www.w3.org/2000/svg";
function bounds(xs, ys) {
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (let i = 0; i < xs.length; i++) {
    if (ys[i] === null) continue;
    x0 = Math.min(x0, xs[i]); x1 = Math.max(x1, xs[i]);
    y0 = Math.min(y0, ys[i]); y1 = Math.max(y1, ys[i]);
  }
  return {x0, x1, y0, y1};
}
function draw(svg, series, w, h) {
  while (svg.firstChild) svg.removeChild(svg.firstChild);
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (const s of series) { const b = bounds(s.x, s.y); x0 = Math.min(x0, b.x0);
    x1 = Math.max(x1, b.x1); y0 = Math.min(y0, b.y0); y1 = Math.max(y1, b.y1); }
  if (!isFinite(x0)) return 0;
  if (x1 === x0) x1 = x0 + 1; if (y1 === y0) { y1 = y0 + 1; }
  const px = x => 30 + (x - x0) / (x1 - x0) * (w - 40);
  const py = y => h - 18 - (y - y0) / (y1 - y0) * (h - 30);
  let drawn = 0;
  for (const s of series) {
    if (s.dots) {
      for (let i = 0; i < s.x.length; i++) { if (s.y[i] === null) continue;
        const c = document.createElementNS(NS, "circle");
        c.setAttribute("cx", px(s.x[i])); c.setAttribute("cy", py(s.y[i]));
        c.setAttribute("r", 1.6); c.setAttribute("fill", s.colour); svg.appendChild(c); drawn++; }
    } else {
      const p = document.createElementNS(NS, "polyline");
      const pts = [];
      for (let i = 0; i < s.x.length; i++)
        if (s.y[i] !== null) pts.push(px(s.x[i]) + "," + py(s.y[i]));
      p.setAttribute("points", pts.join(" ")); p.setAttribute("fill", "none");
      p.setAttribute("stroke", s.colour); p.setAttribute("stroke-width", 1.8);
      svg.appendChild(p); drawn += pts.length;
    }
  }
  for (const [v, y] of [[y1, py(y1)], [y0, py(y0)]]) {
    const t = document.createElementNS(NS, "text"); t.setAttribute("x", 2);
    t.setAttribute("y", y + 4); t.setAttribute("font-size", 10); t.textContent = +v.toPrecision(3);
    svg.appendChild(t);
  }
  const t = document.createElementNS(NS, "text"); t.setAttribute("x", w - 90);
  t.setAttribute("y", h - 4); t.setAttribute("font-size", 10);
  t.textContent = "step " + x1.toLocaleString(); svg.appendChild(t);
  return drawn;
}
let lastFrame = null;
async function tick() {
  try {
    const r = await fetch("data.json", {cache: "no-store"});
    const d = await r.json();
    document.getElementById("step").textContent = d.step.toLocaleString();
    document.getElementById("episodes").textContent = d.episodes.toLocaleString();
    const m = d.curve.mean;
    document.getElementById("mean").textContent = m.length ? m[m.length - 1].toFixed(2) : "-";
    document.getElementById("status").textContent = d.finished ? "finished" : "running";
    draw(document.getElementById("curve"), [
      {x: d.curve.step, y: d.curve.score, colour: "#7aa6d6", dots: true},
      {x: d.curve.step, y: d.curve.mean, colour: "#d62728"}], 640, 260);
    const box = document.getElementById("probes");
    for (const name of Object.keys(d.probes)) {
      if (name === "step") continue;
      let el = document.getElementById("probe-" + name);
      if (!el) { el = document.createElement("div"); el.className = "probe";
        el.id = "probe-" + name; el.innerHTML = "<div></div>";
        el.appendChild(document.createElementNS(NS, "svg"));
        el.lastChild.setAttribute("width", 300); el.lastChild.setAttribute("height", 110);
        el.firstChild.textContent = name; box.appendChild(el); }
      draw(el.lastChild, [{x: d.probes.step, y: d.probes[name], colour: "#6a3d9a"}], 300, 110);
    }
    if (d.frame !== null && d.frame !== lastFrame) {
      lastFrame = d.frame;
      document.getElementById("frame").src = "frame.png?t=" + d.frame;
    }
    document.body.dataset.updates = (+(document.body.dataset.updates || 0) + 1).toString();
  } catch (e) {
    document.getElementById("status").textContent = "server not answering";
  }
}
tick(); setInterval(tick, 1000);
</script></body></html>
"""


def make_server(run: str | Path, host: str = "127.0.0.1", port: int = 8765) -> ThreadingHTTPServer:
    """An HTTP server for the live page of `run` (port 0: any free port)."""
    run = Path(run)
    if not (run / "config.json").is_file():
        raise RunFolderError(f"{run} is not a littlebrain run folder (no config.json)")
    page = PAGE.replace("RUN_NAME", run.name.replace("<", "&lt;")).encode("utf-8")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            path = self.path.split("?", 1)[0]
            if path in ("/", "/index.html"):
                self._send(200, "text/html; charset=utf-8", page)
            elif path == "/data.json":
                body = json.dumps(snapshot(run)).encode("utf-8")
                self._send(200, "application/json", body)
            elif path == "/frame.png" and (run / "live" / "frame.png").is_file():
                self._send(200, "image/png", (run / "live" / "frame.png").read_bytes())
            else:
                self._send(404, "text/plain", b"not found")

        def _send(self, status: int, kind: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

    try:
        return ThreadingHTTPServer((host, port), Handler)
    except OSError as error:
        raise LittlebrainError(f"cannot serve on {host}:{port}: {error.strerror}") from None
