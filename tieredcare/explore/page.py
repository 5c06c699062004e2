"""The explorer's page: lever controls, headline cards against the baseline, the charts.

Each browser tab is a session of its own (Solara gives each its own state): its controls'
values, its runs and its language. A change starts a run in a worker thread; a newer
change (or closing the tab) stops it at the next simulated day
(:func:`~tieredcare.explore.state.stopper`).
While a run is under way, or after one failed, the last finished figures stay on screen;
a failure shows its message, and the page goes on serving.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import reacton.ipyvuetify as v
import solara
import solara.lab

from tieredcare.config import ConfigError
from tieredcare.explore import pictures
from tieredcare.explore.browser import ResultsBrowser
from tieredcare.explore.controls import LeverGroup
from tieredcare.explore.levers import control_groups, controls
from tieredcare.explore.state import Explorer, Outcome, stopper
from tieredcare.explore.words import word
from tieredcare.viz.fonts import LATIN_FAMILY, SYSTEM_CJK_FAMILIES
from tieredcare.world.network import GraphError

FONT_URL = "/tieredcare/fonts/"
"""Where the server serves the chart pack's fonts (see :mod:`tieredcare.explore.server`)."""

_EXPLORER: list[Explorer] = []


def use_explorer(explorer: Explorer) -> None:
    """Serve ``explorer`` on every page from now on."""
    _EXPLORER[:] = [explorer]


def page_style(lang: str) -> str:
    """The page's CSS: the chart pack's fonts (served by this server), compact controls."""
    families = [f'"{LATIN_FAMILY}"', *(f'"{f}"' for f in SYSTEM_CJK_FAMILIES), "sans-serif"]
    if lang == "zh":  # Chinese in the CJK font throughout, as in the charts
        families.insert(0, families.pop(families.index('"Noto Sans SC"')))
    return f"""
@font-face {{ font-family: "DejaVu Sans"; src: url("{FONT_URL}DejaVuSans.ttf"); }}
@font-face {{ font-family: "Noto Sans SC"; src: url("{FONT_URL}NotoSansSC-Regular.otf"); }}
.tc-page, .tc-page .v-application, .tc-page .v-input, .tc-page .v-label,
.tc-page .v-btn, .tc-page .v-tab {{ font-family: {", ".join(families)} !important; }}
.tc-levers {{ width: 430px; min-width: 430px; max-height: calc(100vh - 150px);
              overflow-y: auto; padding-right: 6px; }}
.lever {{ border-bottom: 1px solid #eee; padding: 2px 0 4px 0; }}
.lever-source, .lever-seeds {{ font-size: 11px; color: #666; }}
.tc-card {{ border: 1px solid #ddd; border-radius: 6px; padding: 8px 12px; min-width: 150px;
            flex: 1 1 150px; background: #fff; }}
.card-label {{ font-size: 12px; color: #444; }}
.card-value {{ font-size: 26px; font-weight: 600; }}
.card-better {{ color: #1a7f37; }} .card-worse {{ color: #b5261a; }}
.card-ghost {{ font-size: 12px; color: #888; }}
.tc-status {{ font-size: 13px; color: #555; }}
.tc-chart img {{ max-width: 100%; }}
"""


def use_wanted() -> Callable[[Any], Callable[[], bool]]:
    """Whether a task's work is still wanted: it is the task's latest call, and the tab is open.

    Returns a function of the task; the answer it gives must be asked from the task's
    worker thread (a task knows its latest call by its thread).
    """
    closed = solara.use_memo(solara.kernel_closed_event, [])
    return lambda task: lambda: task.is_current() and not closed.is_set()


@solara.component
def Page() -> None:
    """The whole page: a header, then the explorer and the results folders as tabs."""
    lang = solara.use_reactive("en")
    explorer = _EXPLORER[0]
    solara.Style(page_style(lang.value))
    with solara.Column(classes=["tc-page", f"tc-lang-{lang.value}"]):
        with solara.Row(style={"align-items": "center"}):
            solara.Text(word("title", lang.value), style={"font-size": "20px",
                                                          "font-weight": "600"})
            sc = explorer.scenario
            solara.Text(word("scenario", lang.value, name=sc.name,
                             residents=f"{sc.population.residents:,}", seed=sc.seed),
                        classes=["tc-status"])
            solara.Button(word("language", lang.value), classes=["lang-toggle"], text=True,
                          on_click=lambda: lang.set("zh" if lang.value == "en" else "en"))
        with solara.lab.Tabs():
            with solara.lab.Tab(word("explore_tab", lang.value)):
                ExplorerView(explorer, lang.value)
            with solara.lab.Tab(word("results_tab", lang.value)):
                ResultsBrowser(lang.value)


@solara.component
def ExplorerView(explorer: Explorer, lang: str) -> None:
    """The controls on the left; the cards and charts of the setting on the right."""
    values = solara.use_reactive({})
    wanted = use_wanted()
    last = solara.use_ref(None)
    base = solara.use_memo(lambda: {key: explorer.base_value(key) for key in controls()}, [])
    setting, problems = explorer.setting(values.value)

    def run() -> tuple[Outcome, Outcome] | str:
        check = stopper(wanted(result))
        if setting is None:  # each value was checked with the others; kept as a guard
            return "; ".join(problems)
        try:
            baseline = explorer.baseline()
            check()
            now = baseline if setting is explorer.scenario else explorer.run(setting, check)
        except (ConfigError, GraphError) as exc:  # e.g. a map file changed on disk
            return str(exc)
        return now, baseline

    result = solara.lab.use_task(run, dependencies=[json.dumps(values.value, sort_keys=True)],
                                 raise_error=False)
    failure = _failure(result)
    if result.finished and failure is None:
        last.current = result.value

    # The same two functions on every render, so a lever whose value did not change is
    # not drawn again (a component re-renders only when its arguments change).
    commit, check = solara.use_memo(lambda: _changers(explorer, values), [])

    with solara.Row(style={"align-items": "flex-start"}):
        with solara.Column(classes=["tc-levers"], gap="2px"):
            with solara.Row():
                solara.Button(word("reset_all", lang), on_click=lambda: values.set({}),
                              disabled=setting is explorer.scenario, classes=["reset-all"],
                              outlined=True, small=True)
                if setting is not None:
                    solara.FileDownload(lambda: explorer.scenario_yaml(setting),
                                        filename=f"{setting.name}.yaml",
                                        label=word("download", lang),
                                        mime_type="application/x-yaml")
            for group in control_groups():
                own = {c.key: values.value[c.key] for c in group.controls
                       if c.key in values.value}
                LeverGroup(group, own, base, commit, check, lang)
        with solara.Column(style={"flex": "1 1 auto", "min-width": "0"}):
            with solara.Column(gap="2px"):  # one child, whatever it shows: Figures stays put
                _status(result, failure, last.current, values.value, explorer, lang)
            if last.current is not None:
                Figures(*last.current, lang)


def _changers(explorer: Explorer, values: solara.Reactive[dict[str, Any]]
              ) -> tuple[Callable[[str, Any], None], Callable[[str, Any], list[str]]]:
    """Take a control's value into the setting; the problems of a value in the setting."""

    def commit(key: str, value: Any) -> None:
        values.set({**values.value, key: value})

    def check(key: str, value: Any) -> list[str]:
        return explorer.setting({**values.value, key: value})[1]

    return commit, check


def _failure(result: Any) -> str | None:
    """Why the latest run failed: the message it returned, or an unexpected error's."""
    if result.error:
        return f"{type(result.exception).__name__}: {result.exception}"
    return result.value if result.finished and isinstance(result.value, str) else None


def _status(result: Any, failure: str | None, shown: tuple[Outcome, Outcome] | None,
            values: dict[str, Any], explorer: Explorer, lang: str) -> None:
    if result.pending:
        solara.Text(word("running" if shown else "first_run", lang), classes=["tc-status",
                                                                            "status-running"])
        solara.ProgressLinear(True)
    elif failure is not None:
        solara.Error(f"{word('run_failed', lang)} {failure}", classes=["run-error"])
    elif shown is not None:
        changed = sum(values.get(k) != explorer.base_value(k) for k in values)
        solara.Text(word("updated", lang, seconds=shown[0].seconds, changed=changed),
                    classes=["tc-status", "status-done"])


@solara.component
def Figures(now: Outcome, base: Outcome, lang: str) -> None:
    """Cards of the setting against the baseline, then its charts (drawn in a thread)."""
    run = str(id(now))  # which run the cards and the charts on screen are of
    with v.Html(tag="div", class_="tc-cards", attributes={"data-run": run},
                style_="display: flex; flex-wrap: wrap; gap: 12px;"):
        for card in pictures.cards(now, base, lang):
            Card(card, lang)
    wanted = use_wanted()

    def draw() -> tuple[str, dict[str, bytes]]:
        return run, pictures.chart_pictures(now, base, lang, stopper(wanted(drawn)))

    drawn = solara.lab.use_task(draw, dependencies=[run, lang], raise_error=False)
    with solara.Column(gap="0px"):
        if drawn.error:
            solara.Error(f"{type(drawn.exception).__name__}: {drawn.exception}")
        elif not drawn.finished:
            solara.ProgressLinear(True)
    if now.output.counties:
        _county_table(now, base, lang)
    if drawn.latest:  # the last charts drawn stay until the new ones are ready
        _charts(*drawn.latest, lang)


def _charts(run: str, png: dict[str, bytes], lang: str) -> None:
    titles = {"time": "time_chart", "tiers": "tiers_chart", "load": "load_chart",
              "counties": "counties"}
    with v.Html(tag="div", class_="tc-charts", attributes={"data-run": run}):
        for name, image in png.items():
            with solara.Column(classes=["tc-chart", f"chart-{name}"], gap="0px"):
                solara.Text(word(titles[name], lang), style={"font-weight": "600"})
                solara.Image(image, format="png")


def _county_table(now: Outcome, base: Outcome, lang: str) -> None:
    from tieredcare.viz.labels import indicator_label

    header = [word("county", lang)] + [indicator_label(i, lang)
                                       for i in pictures.COUNTY_COLUMNS]
    rows = pictures.county_rows(now, base, lang)
    solara.Text(word("counties", lang), style={"font-weight": "600"})
    head = v.Html(tag="tr", children=[v.Html(tag="th", children=[h]) for h in header])
    body = [v.Html(tag="tr", children=[v.Html(tag="td", children=[c]) for c in row])
            for row in rows]
    v.Html(tag="table", class_="county-table", children=[head, *body])


@solara.component
def Card(card: pictures.Card, lang: str) -> None:
    """One headline indicator: now, the change from the baseline, and the baseline."""
    with solara.Column(gap="2px", classes=["tc-card", f"card-{card.indicator}"]):
        unit = "" if card.unit in ("", "%") else f"（{card.unit}）" if lang == "zh" \
            else f" ({card.unit})"
        solara.Text(card.label + unit, classes=["card-label"])
        v.Html(tag="div", class_="card-value", attributes={"data-value": repr(card.value)},
               children=[card.text])
        v.Html(tag="div", class_=f"card-change card-{card.aim}",
               attributes={"data-direction": card.direction}, children=[card.change])
        solara.Text(word("vs_baseline", lang, value=card.base_text), classes=["card-ghost"])
