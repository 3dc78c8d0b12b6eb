"""The HTML report, opened in a real headless Chromium: no console errors, every chart drawn."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from peninsula.cli.explore import report_command
from peninsula.report.html import render_run_report, run_network, write_report

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]

needs_browser = pytest.mark.skipif(
    shutil.which(CHROMIUM) is None, reason="needs Debian's chromium (apt-get install chromium)")


def _open_in_browser(path: Path) -> tuple[list[str], list[str], list[tuple[str, int]]]:
    sync_api = pytest.importorskip("playwright.sync_api")
    errors: list[str] = []
    requests: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: requests.append(r.url)
                    if not r.url.startswith(("file:", "data:", "blob:")) else None)
            page.goto(path.resolve().as_uri(), wait_until="load")
            page.wait_for_function("document.querySelectorAll('[data-chart] .main-svg').length"
                                   " >= document.querySelectorAll('[data-chart]').length",
                                   timeout=20_000)
            charts = page.evaluate("""() => Array.from(document.querySelectorAll('[data-chart]'))
                .map(d => [d.dataset.chart, Array.from(d.querySelectorAll('svg.main-svg'))
                  .reduce((n, s) => n + s.querySelectorAll('path, rect, image').length, 0)
                  + d.querySelectorAll('canvas').length])""")
        finally:
            browser.close()
    return errors, requests, [(name, count) for name, count in charts]


@needs_browser
def test_exploration_report_renders_offline_with_every_chart(tiny_results, tmp_path):
    app = typer.Typer()
    app.command()(report_command)
    out = tmp_path / "report.html"
    result = CliRunner().invoke(app, [str(tiny_results), "-o", str(out), "--outcome",
                                      "limited_clash", "--threshold", "0.2"])
    assert result.exit_code == 0, result.output
    html = out.read_text()
    assert "<script src=" not in html and "cdn.plot.ly" not in html.split("</script>", 1)[1]
    errors, requests, charts = _open_in_browser(out)
    assert errors == [] and requests == []
    names = {name for name, _ in charts}
    assert {"probabilities", "outcome-bars", "sensitivity", "fan", "network"} <= names
    assert all(count > 0 for _, count in charts), charts


@needs_browser
def test_run_report_from_plain_data(tmp_path):
    summary = {
        "metadata": {"scenario": "korea-2024", "seed": 1, "futures": 500, "months": 12,
                     "start_month": "2024-02", "scenario_sha256": "ab" * 32},
        "outcomes": [
            {"id": "war", "label": "War", "kind": "binary",
             "estimate": {"value": 0.02, "low": 0.01, "high": 0.035, "n": 500}},
            {"id": "clash", "label": "Clash", "kind": "binary",
             "estimate": {"value": 0.3, "low": 0.26, "high": 0.34, "n": 500}},
            {"id": "arms", "label": "Arms", "kind": "continuous",
             "estimate": {"value": 0.1, "low": 0.09, "high": 0.11, "n": 500}}],
        "escalation_paths": [{"path": "4-4-4-4", "share": 0.5, "count": 250}],
    }
    rng = np.random.default_rng(0)
    rel = rng.uniform(-8, 8, (3, 3))
    rel = (rel + rel.T) / 2
    com = rng.uniform(0, 1, (3, 3))
    html = render_run_report(summary, quarter_rung=rng.integers(0, 9, (500, 4)),
                             network=run_network(["AAA", "BBB", "CCC"], rel, com, rel / 2, com))
    path = write_report(html, tmp_path / "run.html")
    errors, requests, charts = _open_in_browser(path)
    assert errors == [] and requests == []
    assert {name for name, _ in charts} == {"probabilities", "fan", "network"}
    assert all(count > 0 for _, count in charts)
