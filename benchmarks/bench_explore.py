"""Time of one explorer update: a lever changed, the county-year re-run, the charts redrawn.

Without ``--browser`` it times the explorer's own functions: the run of a setting (the
cards' figures: map lookup + 90 + 365 simulated days) and the drawing of the charts. With
``--browser`` it starts ``tieredcare explore`` and drives Debian's Chromium: from pressing
Enter in a lever's box to the new figure on the card, and to the last chart redrawn.

    python benchmarks/bench_explore.py                    # 50,000 residents, 5 settings
    python benchmarks/bench_explore.py --browser --repeat 3
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
LEVER = "policy.family_doctor.campaign.intensity"


def in_process(residents: int, repeat: int) -> dict[str, list[float]]:
    """Seconds to run ``repeat`` settings of the lever, and to draw their charts."""
    from tieredcare.explore.pictures import chart_pictures
    from tieredcare.explore.state import open_explorer

    explorer = open_explorer(BASELINE, residents)
    base = explorer.baseline()
    chart_pictures(base, base, "en")  # fonts loaded once, as on a served page
    times: dict[str, list[float]] = {"run": [], "charts": []}
    for i in range(repeat):
        setting, _ = explorer.setting({LEVER: round(0.2 + 0.15 * i, 2)})
        now = explorer.run(setting)
        start = time.perf_counter()
        chart_pictures(now, base, "en")
        times["run"].append(now.seconds)
        times["charts"].append(time.perf_counter() - start)
    return times


def in_browser(residents: int, repeat: int) -> dict[str, list[float]]:
    """Seconds from Enter in the lever's box to the new card, and to the redrawn charts."""
    from playwright.sync_api import expect, sync_playwright

    script = Path(sys.executable).parent / "tieredcare"
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "explore.log"
        with log.open("w") as sink:
            server = subprocess.Popen([str(script), "explore", str(BASELINE), "--residents",
                                       str(residents), "--port", "0"], stdout=sink,
                                      stderr=subprocess.STDOUT, cwd=folder)
        try:
            url = _address(log, server)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium")
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                return _updates(page, url, repeat, expect)
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=60)


def _address(log: Path, server: subprocess.Popen) -> str:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and server.poll() is None:
        found = re.search(r"Explorer: (\S+)", log.read_text())
        if found:
            return found[1]
        time.sleep(0.1)
    raise RuntimeError("the explorer did not start:\n" + log.read_text())


def _updates(page, url: str, repeat: int, expect) -> dict[str, list[float]]:
    expect.set_options(timeout=120_000)
    page.goto(url)
    card = page.locator(".card-contract_coverage .card-value")
    expect(page.locator(".tc-charts")).to_have_count(1)
    page.get_by_text("6 Signup campaign").click()
    box = page.locator(".lever-" + LEVER.replace(".", "-") + " input").first
    times: dict[str, list[float]] = {"cards": [], "charts": []}
    for i in range(repeat):
        before = card.get_attribute("data-value")
        box.fill(f"{0.2 + 0.15 * i:.2f}")
        start = time.perf_counter()
        box.press("Enter")
        expect(card).not_to_have_attribute("data-value", before)
        times["cards"].append(time.perf_counter() - start)
        run = page.locator(".tc-cards").get_attribute("data-run")
        expect(page.locator(f'.tc-charts[data-run="{run}"]')).to_have_count(1)
        times["charts"].append(time.perf_counter() - start)
    return times


def main() -> None:
    """Print the update times."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--browser", action="store_true",
                        help="time the served page in Chromium instead")
    args = parser.parse_args()
    measure = in_browser if args.browser else in_process
    times = measure(args.residents, args.repeat)
    where = "Chromium" if args.browser else "in process"
    print(f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"{args.residents:,} residents, 90 + 365 days, {args.repeat} settings ({where})")
    for name, values in times.items():
        print(f"  {name:7s} median {statistics.median(values):.2f} s, "
              f"min {min(values):.2f} s, max {max(values):.2f} s")


if __name__ == "__main__":
    main()
