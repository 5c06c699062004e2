"""``python -m tieredcare.experiments``: the sweep commands on their own."""

from __future__ import annotations

import typer

from tieredcare.sweep_cli import register

app = typer.Typer(help="Scenario sweeps of tieredcare: run, analyse, reproduce.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
register(app)

if __name__ == "__main__":
    app()
