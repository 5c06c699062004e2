"""``tieredcare explore`` in a real headless Chromium: levers, cards, download, two tabs.

The console script starts the explorer on a free port of this machine, on a county read
from copies of the example tables (5,000 residents, 30 + 120 days, so a run takes well
under a second); Playwright drives Debian's Chromium (``/usr/bin/chromium``). Without
Chromium (or Playwright) these tests skip, saying how to install them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tieredcare.viz.report_values import format_value

CHROMIUM = Path("/usr/bin/chromium")
SCRIPT = Path(sys.executable).parent / "tieredcare"
INSTALL = ("install Debian's Chromium to run them: apt-get install -y chromium "
           "chromium-driver (and pip install 'tieredcare[dev,explore]')")
if not CHROMIUM.is_file():
    pytest.skip(f"browser tests: {CHROMIUM} not found; {INSTALL}", allow_module_level=True)
playwright = pytest.importorskip("playwright.sync_api", reason=f"browser tests: no Playwright; "
                                 f"{INSTALL}")
pytest.importorskip("solara", reason=f"browser tests: no Solara; {INSTALL}")
expect = playwright.expect

WAIT_MS = 60_000
"""Longest wait for the page (a run and its charts take a second or two on 2 cores)."""
expect.set_options(timeout=WAIT_MS)
SCENARIO = """name: table_county
seed: 777
simulation: {warmup_days: 30, horizon_days: 120}
population: {residents: 265000}
world:
  tables: {facilities: tables/facilities.csv, villages: tables/villages.csv}
"""
# The console script runs in other folders: it must import this checkout's package.
ENV = {**os.environ, "COLUMNS": "200",
       "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)}
INTENSITY = "policy.family_doctor.campaign.intensity"
RESIDENTS = "population.residents"


def _lever(key: str) -> str:
    return ".lever-" + key.replace(".", "-")


def _tree(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under a folder with its size and modification time."""
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def place(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with the scenario, its tables and a run folder written by ``tieredcare run``."""
    home = tmp_path_factory.mktemp("explore")
    shutil.copytree(ROOT / "examples" / "county_tables", home / "tables")
    (home / "county.yaml").write_text(SCENARIO, encoding="utf-8")
    done = subprocess.run([str(SCRIPT), "run", "county.yaml", "--set",
                           f"{RESIDENTS}=5000", "--out", "results/table_run", "--quiet"],
                          cwd=home, capture_output=True, text=True, timeout=300, env=ENV)
    assert done.returncode == 0, done.stderr
    return home


@pytest.fixture(scope="module")
def server(place: Path) -> Iterator[str]:
    """The explorer, started as a user starts it; yields its address, stops it after."""
    log = place.parent / "explore.log"  # not a pipe: a full pipe would stall the server
    with log.open("w") as sink:
        proc = subprocess.Popen([str(SCRIPT), "explore", "county.yaml", "--residents", "5000",
                                 "--port", "0"], cwd=place, stdout=sink,
                                stderr=subprocess.STDOUT, env=ENV)
    deadline = time.monotonic() + 120
    url = None
    while url is None and time.monotonic() < deadline and proc.poll() is None:
        found = re.search(r"Explorer: (http://127\.0\.0\.1:\d+/)", log.read_text())
        url = found and found[1]
        time.sleep(0.1)
    assert url, "the explorer did not start:\n" + log.read_text()
    try:
        yield url
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, server: str) -> Iterator[object]:
    """A fresh tab (a session of its own) with the baseline's cards and charts shown."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000},
                                  accept_downloads=True)
    tab = context.new_page()
    tab.set_default_timeout(WAIT_MS)
    _open(tab, server)
    yield tab
    context.close()


def _open(tab, url: str) -> None:
    tab.goto(url)
    expect(tab.locator(".card-contract_coverage .card-value")).to_be_visible()
    expect(tab.locator(".status-done")).to_be_visible()


def _group(tab, title: str) -> None:
    tab.get_by_text(title, exact=False).first.click()


def _type(tab, key: str, text: str) -> None:
    box = tab.locator(f"{_lever(key)} input").first
    box.fill(text)
    box.press("Enter")


def _card(tab, indicator: str) -> object:
    return tab.locator(f".card-{indicator} .card-value")


def test_lever_moves_its_indicator_and_the_download_reproduces_it(page, place: Path,
                                                                  tmp_path: Path) -> None:
    card = _card(page, "contract_coverage")
    before = float(card.get_attribute("data-value"))
    _group(page, "6 Signup campaign")
    _type(page, INTENSITY, "0.9")
    expect(card).not_to_have_attribute("data-value", repr(before))
    expect(page.locator(".status-done")).to_be_visible()
    after = float(card.get_attribute("data-value"))
    assert after > before + 0.02, f"coverage {before:.3f} → {after:.3f} after a campaign"
    assert page.locator(".card-contract_coverage .card-change").get_attribute(
        "data-direction") == "up"
    shown = card.inner_text()

    with page.expect_download() as info:
        page.get_by_text("Download scenario").click()
    yaml_file = tmp_path / "downloads" / info.value.suggested_filename
    info.value.save_as(yaml_file)
    assert yaml_file.name == "table_county_explored.yaml"
    done = subprocess.run([str(SCRIPT), "run", str(yaml_file), "--out", str(tmp_path / "run"),
                           "--quiet"], capture_output=True, text=True, timeout=300,
                          cwd=tmp_path, env=ENV)
    assert done.returncode == 0, done.stderr
    summary = json.loads((tmp_path / "run" / "summary.json").read_text(encoding="utf-8"))
    figure = summary["indicators"]["contract_coverage"]
    assert figure == after, "tieredcare run on the downloaded file gives another figure"
    assert shown == format_value("contract_coverage", figure, "en")


def test_value_out_of_range_is_refused_with_the_allowed_range(page) -> None:
    card = _card(page, "contract_coverage")
    before = card.get_attribute("data-value")
    _group(page, "6 Signup campaign")
    _type(page, INTENSITY, "1.5")
    message = page.locator(f"{_lever(INTENSITY)} .v-messages").first
    expect(message).to_contain_text("allowed: 0 ≤ value ≤ 1")
    _type(page, INTENSITY, "lots")
    expect(message).to_contain_text("expected a number")
    page.wait_for_timeout(500)
    assert card.get_attribute("data-value") == before
    assert page.locator(".status-running").count() == 0


def test_two_tabs_each_keep_their_own_setting(page, browser, server: str) -> None:
    base = _card(page, "contract_coverage").get_attribute("data-value")
    _group(page, "6 Signup campaign")
    _type(page, INTENSITY, "0.7")
    expect(_card(page, "contract_coverage")).not_to_have_attribute("data-value", base)
    other = browser.new_context().new_page()
    other.set_default_timeout(WAIT_MS)
    try:
        _open(other, server)
        assert _card(other, "contract_coverage").get_attribute("data-value") == base
        _group(other, "6 Signup campaign")
        assert other.locator(f"{_lever(INTENSITY)} input").first.input_value() == "0"
        assert page.locator(f"{_lever(INTENSITY)} input").first.input_value() == "0.7"
    finally:
        other.context.close()


def test_failed_run_shows_its_message_and_the_app_keeps_serving(page, place: Path) -> None:
    villages = place / "tables" / "villages.csv"
    kept = villages.read_bytes()
    villages.write_text("id,name\nnot,a village table\n", encoding="utf-8")
    try:  # another number of residents needs the map again: read from the broken table
        _type(page, RESIDENTS, "6000")
        expect(page.locator(".run-error")).to_contain_text("villages.csv")
        assert "Traceback" not in page.locator("body").inner_text()
        expect(page.locator(".card-contract_coverage .card-value")).to_be_visible()
    finally:
        villages.write_bytes(kept)
    page.locator(f"{_lever(RESIDENTS)} .lever-reset").first.click()
    expect(page.locator(".status-done")).to_be_visible()
    assert "Traceback" not in page.locator("body").inner_text()


def test_language_switch_and_a_screenshot_that_is_not_blank(page, tmp_path: Path) -> None:
    from PIL import Image

    page.locator(".lang-toggle").click()
    expect(page.locator(".card-county_retention .card-label")).to_contain_text("县域内就诊率")
    expect(page.locator(".chart-load img")).to_be_visible()
    shot = tmp_path / "explorer.png"
    page.screenshot(path=str(shot), full_page=True)
    image = Image.open(shot).convert("L")
    histogram = image.histogram()
    dark = sum(histogram[:128]) / sum(histogram)
    assert image.width >= 1000 and len(image.getcolors(1 << 16) or range(1 << 16)) > 50
    assert dark > 0.005, "the screenshot is (almost) blank"


def test_results_tab_shows_a_run_folder(page) -> None:
    page.get_by_text("Results folders").click()
    box = page.locator(".results-path input")
    box.fill("results/table_run")
    box.press("Enter")
    expect(page.locator(".results-name")).to_contain_text("table_county")
    expect(page.locator(".results-numbers")).to_contain_text("County retention")
    expect(page.locator(".tc-results .tc-chart img").first).to_be_visible()


def test_nothing_is_written_beside_the_scenario(place: Path, server: str, browser) -> None:
    before = _tree(place)
    tab = browser.new_context(accept_downloads=True).new_page()
    tab.set_default_timeout(WAIT_MS)
    try:
        _open(tab, server)
        _group(tab, "11 Telemedicine")
        tab.locator(f"{_lever('policy.telemedicine.enabled')} input").first.click(force=True)
        expect(tab.locator(".status-done")).to_contain_text("(1 changed)")
        expect(tab.locator(".chart-load img")).to_be_visible()
        with tab.expect_download() as info:
            tab.get_by_text("Download scenario").click()
        assert "telemedicine" in info.value.path().read_text(encoding="utf-8")
    finally:
        tab.context.close()
    assert _tree(place) == before
