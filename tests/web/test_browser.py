"""End to end in Debian's chromium: change a claim and a slider, run 2,000 futures, check the
numbers against the library, compare two runs, explore, cancel, restart and find every run.

Screenshots of the main pages go to ``artifacts/screenshots/`` (kept by CI).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import peninsula as pn

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"

pytestmark = pytest.mark.skipif(shutil.which(CHROMIUM) is None,
                                reason="needs Debian's chromium (apt-get install chromium)")


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture()
def page(browser, server):
    errors: list[str] = []
    outside: list[str] = []
    pg = browser.new_page(viewport={"width": 1280, "height": 900}, base_url=server.url)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("request", lambda r: outside.append(r.url)
          if not r.url.startswith(("http://127.0.0.1", "data:", "blob:")) else None)
    pg.on("dialog", lambda d: errors.append(f"dialog: {d.message}"))
    yield pg
    xss = pg.evaluate("() => window.__xss")
    pg.close()
    assert xss is None, "a <script> from a scenario file ran"
    assert outside == [], f"requests left the machine: {outside}"
    assert errors == []


def shot(pg, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _table(pg) -> dict[str, tuple[float, float, float]]:
    rows = pg.locator("#outcome-table tbody tr")
    return {rows.nth(i).get_attribute("data-outcome"): tuple(
        float(rows.nth(i).get_attribute(k)) for k in ("data-value", "data-low", "data-high"))
        for i in range(rows.count())}


def _wait_results(pg) -> None:
    pg.wait_for_url("**/jobs/*", timeout=20_000)
    pg.wait_for_selector("#outcome-table, #difference-table, #analysis", timeout=60_000)


def test_run_compare_cancel_and_restart(page, server, browser):
    name = pn.builtin_scenarios()[0]
    loaded = pn.load_scenario(name)
    claim = loaded.scenario.claims[0].id
    page.goto("/")
    shot(page, "home")
    page.click(f"a[href='/scenarios/builtin/{name}']")
    page.wait_for_selector("#run-form")
    shot(page, "scenario")

    # a claim switched off and the first uncertain parameter moved
    page.uncheck(f"input[name=claim_{claim}]")
    slider = page.locator("input[name=u0]")
    low, high = float(slider.get_attribute("min")), float(slider.get_attribute("max"))
    slider.fill(str(low + 0.8 * (high - low)))
    page.check("input[name=set_u0]")
    value = float(slider.input_value())
    path = pn.plan(loaded, samples=2, futures=1, months=1).spec.uncertainties[0].path
    months = min(6, loaded.scenario.horizon_months)
    page.fill("input[name=futures]", "2000")
    page.fill("input[name=months]", str(months))
    page.uncheck("input[name=events]")
    page.click("#run-submit")
    page.wait_for_url("**/jobs/*")
    run_a = page.url.rsplit("/", 1)[1]
    # meanwhile, the same futures with every claim on (the second worker runs it)
    page.goto(f"/scenarios/builtin/{name}")
    page.fill("input[name=futures]", "2000")
    page.fill("input[name=months]", str(months))
    page.uncheck("input[name=events]")
    page.click("#run-submit")
    page.wait_for_url("**/jobs/*")
    run_b = page.url.rsplit("/", 1)[1]
    library = pn.run(name, futures=2000, months=months, seed=2024, without=[claim],
                     overrides={path: value}, events=False, progress=False).summary()
    page.goto(f"/jobs/{run_a}")
    _wait_results(page)
    shot(page, "run")
    assert page.locator("[data-chart=fan] .main-svg").count() > 0
    assert page.locator("[data-chart=network] .main-svg").count() > 0
    shown = _table(page)
    assert list(shown) == list(library["outcome"])
    for row in library.itertuples():
        expected = row.probability if row.kind == "binary" else row.mean
        assert shown[row.outcome] == (expected, row.low, row.high), row.outcome
    assert page.locator("#downloads a").count() == 5
    assert page.request.get(page.locator("#downloads a").first.get_attribute("href")).ok

    # the two runs side by side
    page.goto(f"/jobs/{run_b}")
    _wait_results(page)
    page.goto("/compare")
    page.select_option("select[name=a]", run_b)
    page.select_option("select[name=b]", run_a)
    page.click("#compare-form input[type=submit]")
    page.wait_for_selector("#difference-table")
    shot(page, "compare")
    rows = page.locator("#difference-table tbody tr")
    assert rows.count() == len(library)
    marked = page.locator("#difference-table tr.significant").count()
    significant = page.locator("#difference-table tr[data-significant=true]").count()
    assert marked == significant

    # cancel a long run
    page.goto(f"/scenarios/builtin/{name}")
    page.fill("input[name=futures]", "150000")
    page.uncheck("input[name=events]")
    page.click("#run-submit")
    page.wait_for_selector("#cancel")
    shot(page, "progress")
    page.click("#cancel")
    page.wait_for_selector("#job-status:text('cancelled')")

    # explore the fixture scenario and filter by outcome
    page.goto("/scenarios/folder/hostile.yaml")
    page.fill("#explore input[name=samples]", "4")
    page.fill("#explore input[name=futures]", "20")
    page.fill("#explore input[name=months]", "3")
    page.click("#explore input[type=submit]")
    _wait_results(page)
    outcomes = page.locator("#outcome-filter option")
    second = outcomes.nth(1).get_attribute("value")
    page.select_option("#outcome-filter", second)
    label = outcomes.nth(1).inner_text()
    page.wait_for_function("label => document.querySelector('#analysis h2').textContent"
                           ".startsWith(label)", arg=label)
    page.wait_for_selector("#analysis [data-chart=outcome-bars] .main-svg")
    shot(page, "exploration")

    # a run cut short by a restart of the server is listed as interrupted
    page.goto(f"/scenarios/builtin/{name}")
    page.fill("input[name=futures]", "150000")
    page.uncheck("input[name=events]")
    page.click("#run-submit")
    page.wait_for_selector("#cancel")
    lost = page.url.rsplit("/", 1)[1]
    page.goto("about:blank")
    server.stop()
    server.start()
    page.goto("/jobs")
    shot(page, "history")
    status = {r.get_attribute("data-job"): r.get_attribute("data-status")
              for r in page.locator("#jobs tbody tr").all()}
    assert status[run_a] == status[run_b] == "done"
    assert status[lost] == "interrupted"
    assert list(status.values()).count("cancelled") == 1
    page.goto(f"/jobs/{run_a}")
    assert _table(page) == shown
