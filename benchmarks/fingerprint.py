"""Fingerprints of several runs, to check that a change leaves every result bit-identical.

Each case runs one scenario (with ``--set`` style overrides) and hashes every array of
its :class:`~tieredcare.counters.Counters`, the group tables and the summary indicators.

    python benchmarks/fingerprint.py --write /tmp/before.json   # before a change
    python benchmarks/fingerprint.py --check /tmp/before.json   # after it: exit 1 if any differ
    python benchmarks/fingerprint.py --quick --check ...        # the small cases only
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SMALL = ["population.residents=30000", "simulation.horizon_days=200"]
CASES: dict[str, tuple[str, list[str]]] = {
    "baseline": ("baseline.yaml", []),
    "prefecture": ("prefecture.yaml", ["population.residents=150000"]),
    "capitation": ("capitation.yaml", SMALL),
    "combination_contracts": ("combination_contracts.yaml", SMALL),
    "referral_deductibles": ("referral_deductibles.yaml", SMALL),
    "sanming_style": ("sanming_style.yaml", SMALL),
    "county_medical_community": ("county_medical_community.yaml", SMALL),
    "family_doctor_drive": ("family_doctor_drive.yaml", SMALL),
    "no_trust": ("baseline.yaml", [*SMALL, "trust.enabled=false"]),
}
QUICK = ("capitation", "combination_contracts", "referral_deductibles", "sanming_style",
         "county_medical_community", "family_doctor_drive", "no_trust")


def _digest(*arrays: np.ndarray) -> str:
    h = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(str((a.dtype.str, a.shape)).encode())
        h.update(a.tobytes())
    return h.hexdigest()[:16]


def fingerprint(case: str) -> dict[str, str]:
    """Hashes of one case's counters (one per array), group tables and summary."""
    from tieredcare.config.loading import load_scenario
    from tieredcare.model import TieredCareModel
    from tieredcare.run import collect

    file, overrides = CASES[case]
    loaded = load_scenario(ROOT / "scenarios" / file, overrides)
    model = TieredCareModel(loaded.scenario, base_dir=loaded.base_dir).run()
    counters = model.counters
    out = {f.name: _digest(np.asarray(getattr(counters, f.name)))
           for f in dataclasses.fields(counters)}
    result = collect(model)
    out["groups.cells"] = _digest(model.groups.cells, model.groups.severity)
    out["summary"] = hashlib.sha256(json.dumps(result.summary, sort_keys=True,
                                               default=float).encode()).hexdigest()[:16]
    out["episodes"] = json.dumps(result.episodes, sort_keys=True)
    return out


def main() -> None:
    """Compute the fingerprints; write them or compare them with a file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", type=Path, help="write the fingerprints to this JSON file")
    parser.add_argument("--check", type=Path, help="compare with fingerprints in this file")
    parser.add_argument("--quick", action="store_true", help="only the small cases")
    parser.add_argument("cases", nargs="*", help="cases to run (default: all)")
    args = parser.parse_args()
    cases = args.cases or (list(QUICK) if args.quick else list(CASES))
    expected = json.loads(args.check.read_text()) if args.check else {}
    found, bad = {}, []
    for case in cases:
        start = time.perf_counter()
        found[case] = fingerprint(case)
        differ = [k for k, v in found[case].items()
                  if case in expected and expected[case].get(k) != v]
        status = ("DIFFERS in " + ", ".join(differ)) if differ else (
            "same" if case in expected else "computed")
        print(f"{case:>26}: {status}  ({time.perf_counter() - start:.1f} s)", flush=True)
        bad += differ
    if args.write:
        args.write.write_text(json.dumps(found, indent=1, sort_keys=True))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
