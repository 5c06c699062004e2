"""Calibrate the outside options of care-seeking and the onset rates they imply.

The utilities of self-treatment and of no care (``care_seeking.self_treatment`` and
``care_seeking.no_care``, by severity) are set so the baseline county reproduces:

- acute illness not seen by a doctor (``illness_not_seen``): 29 % (CHARLS 2011–15, adults
  45+: unmet outpatient need 4.7 % financial + 24.8 % other; Wu et al., Health Econ Rev
  2024);
- of those not seen, the share who self-treated: 40.7 % (rural Ningxia 2019, 贺嘉慧 et
  al., 中国全科医学 2023);
- admission needed but not taken (``admission_not_taken``): 21.5 % (NHSS 2018; Wu et al.,
  Int J Equity Health 2023);

while the onset rates that were calibrated to visits and admissions
(``episodes.minor_acute_rate``, ``episodes.serious_rate``) are scaled so visits per capita
and admissions per 100 stay at their targets (5.9 and 18.2). Moderate illness is taken to
be seen one utility unit more readily than minor illness, and complex illness two units
more than serious illness (assumptions); self-treatment of illness needing admission is one
unit less attractive than no care (assumption).

Each step runs the baseline once and shifts the utilities by the log-odds error of their
target (exact for one patient in a logit; near for the county), then rescales the rates.

Usage: ``python scripts/calibrate_care_seeking.py [--residents N] [--steps K]``; prints
the values to put in ``tieredcare/config/behaviour.py`` (care seeking) and
``tieredcare/config/population.py`` (onset rates).
"""

from __future__ import annotations

import argparse
import math

from tieredcare.config import load_scenario
from tieredcare.counters import NO_CARE, SELF_TREATED
from tieredcare.model import TieredCareModel
from tieredcare.run import collect
from tieredcare.tiers import MODERATE

NOT_SEEN, SELF_SHARE, NOT_ADMITTED = 0.29, 0.407, 0.215
VISITS, ADMISSIONS = 5.90, 18.2


def logit(p: float) -> float:
    return math.log(p / (1.0 - p))


def run(base: list[str], acute: float, split: float, serious: float, minor: float,
        severe: float) -> tuple[dict[str, float], float]:
    """Run the baseline with these settings; return its summary and the self share."""
    own = [acute + split, acute - 1.0 + split, serious - 1.0, serious - 3.0]
    none = [acute, acute - 1.0, serious, serious - 2.0]
    items = [*base, f"care_seeking.self_treatment={own}", f"care_seeking.no_care={none}"]
    loaded = load_scenario("scenarios/baseline.yaml", items)
    sc = loaded.scenario
    ep = sc.episodes.model_dump()
    ep["minor_acute_rate"] = {k: v * minor for k, v in ep["minor_acute_rate"].items()}
    ep["serious_rate"] = {k: v * severe for k, v in ep["serious_rate"].items()}
    sc = sc.model_copy(update={"episodes": type(sc.episodes).model_validate(ep)})
    model = TieredCareModel(sc).run()
    out = collect(model)
    s = model.counters.seeking[sc.simulation.warmup_days:]
    acute_out = s[:, [0, MODERATE], 0].sum(axis=(0, 1))  # minor acute, moderate: outpatient
    seen_not = acute_out[SELF_TREATED] + acute_out[NO_CARE]
    return out.summary, acute_out[SELF_TREATED] / max(seen_not, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=200_000)
    parser.add_argument("--steps", type=int, default=8)
    args = parser.parse_args()
    base = [f"population.residents={args.residents}"]
    # Start from the defaults: the rates are scaled relative to them.
    cs = load_scenario("scenarios/baseline.yaml").scenario.care_seeking
    acute, split, serious = cs.no_care[0], cs.self_treatment[0] - cs.no_care[0], cs.no_care[2]
    minor = severe = 1.0
    for step in range(args.steps):
        summary, self_share = run(base, acute, split, serious, minor, severe)
        print(f"step {step}: acute {acute:.3f} split {split:.3f} serious {serious:.3f} "
              f"minor×{minor:.4f} serious×{severe:.4f} | not seen "
              f"{summary['illness_not_seen']:.4f} self {self_share:.4f} not admitted "
              f"{summary['admission_not_taken']:.4f} visits {summary['visits_per_capita']:.3f}"
              f" admissions {summary['admissions_per_100']:.2f}", flush=True)
        acute += logit(NOT_SEEN) - logit(summary["illness_not_seen"])
        split += logit(SELF_SHARE) - logit(self_share)
        serious += logit(NOT_ADMITTED) - logit(summary["admission_not_taken"])
        minor *= VISITS / summary["visits_per_capita"]
        severe *= ADMISSIONS / summary["admissions_per_100"]
    own = [acute + split, acute - 1.0 + split, serious - 1.0, serious - 3.0]
    none = [acute, acute - 1.0, serious, serious - 2.0]
    print("self_treatment:", [round(v, 2) for v in own])
    print("no_care:", [round(v, 2) for v in none])
    print(f"minor_acute_rate × {minor:.4f}, serious_rate × {severe:.4f}")


if __name__ == "__main__":
    main()
