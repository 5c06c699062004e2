"""``tieredcare explore``: the policy explorer in the browser (the ``explore`` extra)."""

from __future__ import annotations

import importlib.util
import ipaddress
from pathlib import Path
from typing import Annotated

import typer

from tieredcare.config import printable

DEFAULT_RESIDENTS = 50_000
"""Residents of the explored county: a county-year then runs in about a second."""
DEFAULT_PORT = 8765
INSTALL_HINT = "pip install 'tieredcare[explore]'"


def explore(
    scenario: Annotated[Path | None, typer.Argument(
        help="Scenario YAML file to start from (default: the schema defaults, i.e. the "
        "baseline county).")] = None,
    residents: Annotated[int, typer.Option(
        min=100, help="Residents of the county (a prefecture: in all).")] = DEFAULT_RESIDENTS,
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port (0: any free port).")
                    ] = DEFAULT_PORT,
    host: Annotated[str, typer.Option(
        help="Address to listen on; the default is reachable from this machine only.")
                    ] = "127.0.0.1",
) -> None:
    """Explore the policy levers in the browser: the county re-runs on every change."""
    from tieredcare.cli import BAD_INPUT, err, out, rejected_input

    if any(importlib.util.find_spec(name) is None for name in ("solara", "solara_assets")):
        err.print(f"tieredcare explore needs the explore extra: {INSTALL_HINT}")
        raise typer.Exit(1)
    from tieredcare.explore.state import open_explorer

    with rejected_input():  # the scenario is checked before the server is even loaded
        explorer = open_explorer(scenario, residents)
    from tieredcare.explore.server import listen, serve

    try:
        sock = listen(host, port)
    except (OSError, UnicodeError) as exc:
        err.print("[bold red]Invalid input:[/]")
        err.print(f"--host {printable(host, 200)} --port {port}: cannot listen there "
                  f"({printable(getattr(exc, 'strerror', None) or str(exc), 200)})",
                  highlight=False, markup=False)
        raise typer.Exit(BAD_INPUT) from None
    if not _loopback(host):
        err.print(f"[yellow]Warning:[/] listening on {printable(host, 200)}: other machines "
                  "on the network can open the explorer", highlight=False)
    sc = explorer.scenario
    out.print(f"Scenario '{printable(sc.name, 80)}': {sc.population.residents:,} residents, "
              f"seed {sc.seed}, {sc.simulation.horizon_days} days.", highlight=False)

    def announce(url: str) -> None:
        out.print(f"Explorer: {url}  (Ctrl+C to stop)", highlight=False, soft_wrap=True)

    serve(explorer, sock, announce)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def register(app: typer.Typer) -> None:
    """Add the ``explore`` command to the ``tieredcare`` app."""
    app.command("explore")(explore)
