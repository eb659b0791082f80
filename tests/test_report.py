"""`littlebrain report` and `littlebrain watch`: self-contained pages that a real browser
renders offline (report) or sees update as a run learns (watch)."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time

import pytest

from littlebrain.animation import observation_image
from littlebrain.cli import main
from littlebrain.config import RunConfig
from littlebrain.runs import Session
from littlebrain.watch import make_server

SNAKE = RunConfig(env="snake", env_kwargs={"view": "egocentric"}, steps=4_000, probe_every=200,
                  checkpoint_every=2_000)  # fmt: skip

# the rendered page: every SVG has a size and drawn marks, every image decoded, and nothing was
# fetched from anywhere (inline data only)
RENDERED = """
const svgs = [...document.querySelectorAll('svg')];
const imgs = [...document.querySelectorAll('img')];
return {
  svgs: svgs.length,
  drawn: svgs.filter(s => s.getBoundingClientRect().width > 100
                         && s.querySelectorAll('path, polyline, circle, use').length > 5).length,
  imgs: imgs.length,
  decoded: imgs.filter(i => i.complete && i.naturalWidth > 0).length,
  fetched: performance.getEntriesByType('resource').map(e => e.name)
                     .filter(n => !n.startsWith('data:')),
  headings: [...document.querySelectorAll('h2')].map(h => h.textContent),
};
"""


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    path = tmp_path_factory.mktemp("report") / "run"
    Session.start(SNAKE, path).run(show_progress=False)
    return path


def self_contained(text: str) -> bool:
    return not re.search(r'(src|href)="(https?:)?//', text) and "<script src" not in text


def test_a_run_report_is_one_self_contained_file(run_folder, capsys):
    assert main(["report", str(run_folder)]) == 0
    out = run_folder / "report.html"
    assert f"report: {out}" in capsys.readouterr().out
    text = out.read_text()
    assert self_contained(text)
    assert text.count("<svg") == 2  # the learning curve and the probes
    assert "data:image/gif;base64," in text  # the best episode
    for part in ("Learning curve", "Probes", "Best episode", "Settings", "Wiring", "Provenance"):
        assert f"<h2>{part}</h2>" in text
    assert "memory_size" in text and "key_dim" in text  # a probe, the wiring


def test_the_run_report_renders_offline_in_a_browser(run_folder, browser):
    main(["report", str(run_folder)])
    browser.get((run_folder / "report.html").as_uri())
    page = browser.execute_script(RENDERED)
    assert page["svgs"] == page["drawn"] == 2
    assert page["imgs"] == page["decoded"] == 1
    assert page["fetched"] == []
    assert page["headings"][:3] == ["Learning curve", "Probes", "Best episode"]


def test_a_suite_report_renders_offline_in_a_browser(tmp_path, browser):
    runs, out = tmp_path / "runs", tmp_path / "results"
    args = ["bench", "snake", "--methods", "littlebrain-egocentric", "random", "--seeds", "2",
            "--steps", "1500", "--runs", str(runs), "--out", str(out)]  # fmt: skip
    assert main(args) == 0
    assert main(["report", str(out)]) == 0
    text = (out / "report.html").read_text()
    assert self_contained(text)
    assert "<table>" in text and "littlebrain-egocentric" in text
    browser.get((out / "report.html").as_uri())
    page = browser.execute_script(RENDERED)
    assert page["drawn"] == page["svgs"] >= 1  # per-seed curves
    assert page["imgs"] == page["decoded"] >= 1  # the README's learning-curve plot, inlined
    assert page["fetched"] == []
    assert "Per-seed learning curves" in page["headings"]


def test_report_on_something_else_is_one_line(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 2
    assert "neither a run folder" in capsys.readouterr().err


def test_watch_follows_a_running_run(tmp_path, browser):
    run = tmp_path / "live"
    command = [sys.executable, "-m", "littlebrain.cli", "run", "snake", "--env-arg",
               "view=egocentric", "--steps", "60000", "--out", str(run), "--quiet"]  # fmt: skip
    process = subprocess.Popen(command)
    try:
        deadline = time.monotonic() + 120
        while not (run / "probes.csv").is_file() and time.monotonic() < deadline:
            time.sleep(0.2)
        server = make_server(run, port=0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        browser.get(f"http://127.0.0.1:{server.server_address[1]}/")

        def read():
            return browser.execute_script(
                "return {step: document.getElementById('step').textContent.replace(/,/g, ''),"
                " updates: +(document.body.dataset.updates || 0),"
                " probes: document.querySelectorAll('#probes svg polyline').length,"
                " frame: document.getElementById('frame').naturalWidth};"
            )

        while read()["updates"] < 1 and time.monotonic() < deadline:
            time.sleep(0.2)
        first = read()

        def caught_up(page):  # the step moved on and the first probe rows are drawn
            return int(page["step"]) > int(first["step"]) and page["probes"] >= 10

        while not caught_up(read()) and time.monotonic() < deadline:
            time.sleep(0.3)
        later = read()
        assert int(later["step"]) > int(first["step"])  # the page follows the run
        assert later["updates"] > first["updates"]
        assert later["probes"] >= 10  # a trace per probe
        assert later["frame"] == 240 - 240 % 19  # what the brain sees, scaled
        server.shutdown()
        server.server_close()
    finally:
        process.kill()
        process.wait()


def test_observation_images():
    import numpy as np

    assert observation_image(np.zeros((19, 19, 3), np.uint8)).shape == (228, 228, 3)
    assert observation_image(np.arange(6.0)).shape[:2] == (40, 240)
    assert observation_image(np.zeros((2, 3, 4, 5))) is None
    grey = observation_image(np.array([[0, 255]], np.uint8))
    assert grey[0, 0, 0] == 0 and grey[0, -1, 0] == 255  # bytes kept as they are
