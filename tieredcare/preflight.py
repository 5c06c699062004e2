"""Checks made before anything runs, the same for ``validate`` and ``run``.

A scenario that passes :func:`preflight` runs: its county map is built here exactly as
the model builds it (a GraphML map is read and checked, residents are spread over the
villages), and the map is handed to the run so it is not built twice. Settings that are
valid but look unintended (a lever that is never in force) are reported as
:class:`~tieredcare.config.InputWarning` warnings.
"""

from __future__ import annotations

import warnings

from tieredcare.config import InputWarning, LoadedScenario, Scenario
from tieredcare.config.policy import levers
from tieredcare.world.network import CountyMap, county_map


def preflight(loaded: LoadedScenario) -> CountyMap:
    """Check everything a run of a loaded scenario needs; return the county map it uses.

    Args:
        loaded: A validated scenario and its base directory.

    Returns:
        The county map, ready to pass to :func:`tieredcare.run.simulate`.

    Raises:
        GraphError: If the map cannot be built (a bad GraphML file, too few residents
            for the villages, a map too large).
    """
    sc = loaded.scenario
    warn_idle_levers(sc)
    return county_map(sc.world, sc.population.residents, loaded.base_dir)


def warn_idle_levers(scenario: Scenario) -> list[str]:
    """Warn about levers whose window lies outside the run, so their values never apply.

    Day 0 is the first reported day; the run covers days ``-warmup_days`` to
    ``horizon_days - 1``.

    Args:
        scenario: A validated scenario.

    Returns:
        The warnings issued (also raised as :class:`InputWarning`).
    """
    first = -scenario.simulation.warmup_days
    last = scenario.simulation.horizon_days - 1
    found = []
    for key, lever in levers(scenario.policy).items():
        if lever.is_default():
            continue
        if lever.start_day is not None and lever.start_day > last:
            found.append(f"policy.{key}.start_day: {lever.start_day} is after the last "
                         f"reported day ({last}); the lever's values never apply")
        elif lever.end_day is not None and lever.end_day <= first:
            found.append(f"policy.{key}.end_day: {lever.end_day} is before the first day of "
                         f"the run ({first}, the start of the warm-up); the lever's values "
                         "never apply")
    for text in found:
        warnings.warn(text, InputWarning, stacklevel=2)
    return found
