"""Run one scenario and turn the model's counters into result tables."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from tieredcare.config.schema import Scenario
from tieredcare.counters import NO_CARE, SELF_TREATED
from tieredcare.group_summary import county_summary, extra_summary
from tieredcare.metrics import daily_table, summary
from tieredcare.model import TieredCareModel
from tieredcare.tiers import TIERS
from tieredcare.world.network import CountyMap


@dataclass
class RunOutput:
    """Everything a run reports.

    Attributes:
        scenario: The scenario that was run (its ``seed`` is the run's seed).
        timeseries: One row per reported day, one column per indicator.
        facilities: One row per facility: volumes, utilisation and waits over the horizon.
        flows: Treated episodes by home township and facility over the horizon.
        groups: Indicators by group over the horizon (long format, see
            :mod:`tieredcare.groups`).
        summary: Every indicator over the horizon.
        episodes: Episode accounting over the whole run (warm-up included).
        timeline: Lever switches during the run (``day``, ``lever``, ``switch``).
        wall_seconds: Time spent simulating.
        counties: In a prefecture, each county's indicators (county → indicator → value,
            from the group table); empty for one county.
    """

    scenario: Scenario
    timeseries: pd.DataFrame
    facilities: pd.DataFrame
    flows: pd.DataFrame
    groups: pd.DataFrame
    summary: dict[str, float]
    episodes: dict[str, int]
    wall_seconds: float
    timeline: list[dict[str, object]] = field(default_factory=list)
    counties: dict[str, dict[str, float]] = field(default_factory=dict)


def simulate(
    scenario: Scenario,
    *,
    base_dir: Path | None = None,
    county: CountyMap | None = None,
    progress: Callable[[int], None] | None = None,
) -> RunOutput:
    """Build the model of a scenario, run it, and collect the results.

    Args:
        scenario: The validated scenario (its ``seed`` seeds the run).
        base_dir: Directory relative paths in the scenario refer to.
        county: A prebuilt county map to reuse.
        progress: Called with the number of days done after each day.

    Returns:
        The run's tables and summary.
    """
    start = time.perf_counter()
    model = TieredCareModel(scenario, base_dir=base_dir, county=county)
    model.run(progress)
    wall = time.perf_counter() - start
    return collect(model, wall)


def collect(model: TieredCareModel, wall_seconds: float = float("nan")) -> RunOutput:
    """Result tables of a model that has run."""
    rows = slice(model.scenario.simulation.warmup_days, model.row)
    model.groups.finish()
    groups = model.groups.table(model.county.township_ids)
    return RunOutput(
        scenario=model.scenario,
        timeseries=timeseries_frame(model, rows),
        facilities=facilities_frame(model, rows),
        flows=flows_frame(model),
        groups=groups,
        summary=summary(model.counters, model.county, rows) | extra_summary(groups),
        episodes=episode_accounting(model),
        wall_seconds=wall_seconds,
        timeline=list(model.timeline),
        counties=county_summary(groups),
    )


def timeseries_frame(model: TieredCareModel, rows: slice) -> pd.DataFrame:
    """Daily indicators; ``day`` 0 is the first reported day."""
    table = daily_table(model.counters, model.county, rows)
    days = np.arange(rows.start, rows.stop) - model.scenario.simulation.warmup_days
    return pd.DataFrame({"day": days.astype(np.int32), **table})


def facilities_frame(model: TieredCareModel, rows: slice) -> pd.DataFrame:
    """Per-facility volumes, utilisation and queues over the reported days."""
    c, county = model.counters, model.county
    days = max(rows.stop - rows.start, 1)

    def total(name: str) -> np.ndarray:
        return getattr(c, name)[rows].sum(axis=0)

    with np.errstate(divide="ignore", invalid="ignore"):
        frame = pd.DataFrame({
            "facility": county.ids,
            "name": county.names,
            "tier": [TIERS[t] for t in county.tier],
            "in_county": county.in_county,
            "county": _county_names(county, county.facility_county),
            "township": [county.township_ids[t] if t >= 0 else "" for t in
                         county.facility_township],
            "x": county.x,
            "y": county.y,
            "outpatient_slots": model.state.outpatient_slots,
            "beds": model.state.beds,
            "quality": model.state.quality,
            "perceived_quality": model.perceived_by_facility(),
            "visits": total("visits"),
            "admissions": total("admissions"),
            "treated": total("treated"),
            "referrals_up": total("referrals_up"),
            "referrals_down": total("referrals_down"),
            "unreferred": total("unreferred"),
            "outpatient_utilisation": total("visits") / total("outpatient_slots"),
            "bed_occupancy": total("occupied_beds") / total("beds"),
            "mean_outpatient_queue": total("outpatient_queue") / days,
            "mean_admission_queue": total("admission_queue") / days,
            "oop": total("oop"),
            "fund": total("fund"),
        })
    return frame


def flows_frame(model: TieredCareModel) -> pd.DataFrame:
    """Treated episodes by home county and township × facility (non-zero pairs only)."""
    county = model.county
    township, facility = np.nonzero(model.counters.flows)
    township_county = np.zeros(len(county.township_ids), dtype=np.int64)
    township_county[county.village_township] = county.village_county
    home, there = township_county[township], county.facility_county[facility]
    return pd.DataFrame({
        "home_county": _county_names(county, home),
        "home_township": [county.township_ids[t] for t in township],
        "facility": [county.ids[f] for f in facility],
        "county": _county_names(county, there),
        "tier": [TIERS[county.tier[f]] for f in facility],
        "in_county": there == home,  # in the patients' own county
        "episodes": model.counters.flows[township, facility],
    })


def _county_names(county: CountyMap, index: np.ndarray) -> list[str]:
    """County names of county indices ("" for -1, outside every county)."""
    return [county.county_names[k] if k >= 0 else "" for k in index]


def episode_accounting(model: TieredCareModel) -> dict[str, int]:
    """Where every episode since the start of the run stands.

    ``onsets == self_treated + no_care + treated + unmet + waiting + referred +
    choosing``: an admitted episode counts as treated from admission on; recovery stays
    are not episodes.
    """
    c = model.counters
    open_now = model.open_episode_counts()
    outcome = c.seeking.sum(axis=(0, 1, 2))
    return {
        "onsets": int(c.onsets.sum()),
        "self_treated": int(outcome[SELF_TREATED]),
        "no_care": int(outcome[NO_CARE]),
        "treated": int(c.treated.sum()),
        "unmet": int(c.unmet.sum()),
        "waiting": open_now["waiting"],
        "referred": open_now["referred"],
        "choosing": open_now["choosing"],
        "in_bed": open_now["in_bed"],
    }
