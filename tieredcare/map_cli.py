"""The ``tieredcare map`` commands: import a county from tables, show it, export it for GIS.

- ``map import``: facility and village tables (CSV) → a GraphML map
  (:mod:`tieredcare.world.tables`);
- ``map show``: draw a map (a GraphML file or a scenario) on its coordinates;
- ``map export``: a map as GeoJSON, facilities as points and roads as lines.

Every output is protected like the results folders: a file is replaced only if it is of
the same kind and ``--overwrite`` is given (:func:`tieredcare.outputs.check_output_file`).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Any

import typer

app = typer.Typer(help="County maps: import from tables, show, export for GIS.",
                  no_args_is_help=True)

Overwrite = Annotated[bool, typer.Option(
    "--overwrite", help="Replace the output if it is a file of the same kind.")]


def _main():
    from tieredcare import cli

    return cli


@app.command("import")
def import_command(
    facilities: Annotated[Path, typer.Option(help="Facility table (CSV): id, name, tier, lon, "
                                             "lat, beds, outpatient_slots, services, "
                                             "township, village.")],
    villages: Annotated[Path, typer.Option(help="Village table (CSV): id, name, township, "
                                           "population, lon, lat.")],
    travel: Annotated[Path | None, typer.Option(
        help="Origin–destination table (CSV): from, to, minutes.")] = None,
    detour: Annotated[float, typer.Option(min=1.0, max=5.0, help="Road / great-circle "
                                          "distance.")] = 1.3,
    speed: Annotated[float, typer.Option(min=1.0, max=200.0, help="Road speed, km/h.")] = 40.0,
    out: Annotated[Path, typer.Option("--out", help="GraphML file to write.")] = Path(
        "county.graphml"),
    overwrite: Overwrite = False,
) -> None:
    """Build a GraphML county map from facility and village tables."""
    from tieredcare.outputs import check_output_file
    from tieredcare.world.network import CountyMap, save_graphml
    from tieredcare.world.tables import graph_from_tables

    main = _main()
    with main.rejected_input():
        check_output_file(out, "graphml", overwrite=overwrite)
        graph = graph_from_tables(facilities, villages, travel, detour=detour,
                                  speed_kmh=speed)
        county = CountyMap.from_graph(graph, str(facilities))  # what the model will read
        save_graphml(county.graph, out)
    main.out.print(f"Wrote {out}: {county.n_facilities} facilities, {county.n_villages} "
                   f"populated villages, {int(county.village_population.sum()):,} residents "
                   f"in {len(county.township_ids)} townships.", highlight=False)


MapFile = Annotated[Path, typer.Argument(help="A GraphML map or a scenario YAML file.",
                                         metavar="MAP")]


@app.command("show")
def show_command(
    map_file: MapFile,
    out: Annotated[Path | None, typer.Option(
        "--out", help="PNG or SVG file (default: <MAP>_map.png beside it).")] = None,
    lang: Annotated[str, typer.Option(help="en or zh.")] = "en",
    overwrite: Overwrite = False,
) -> None:
    """Draw a county on its coordinates: facilities by tier, villages by residents."""
    from tieredcare.atomic import atomic_write_bytes
    from tieredcare.config import ConfigError
    from tieredcare.outputs import check_output_file
    from tieredcare.viz.canvas import figure_bytes
    from tieredcare.viz.labels import check_lang
    from tieredcare.viz.mapview import map_figure, map_frame

    main = _main()
    target = out or map_file.with_name(f"{map_file.stem}_map.png")
    fmt = target.suffix.lower().lstrip(".")
    with main.rejected_input():
        if fmt not in ("png", "svg"):
            raise ConfigError.one(f"--out {target}", "", "allowed: a .png or .svg file")
        try:
            check_lang(lang)
        except ValueError as exc:
            raise ConfigError.one("--lang", "", str(exc)) from None
        check_output_file(target, fmt, overwrite=overwrite)
        county = _county(map_file)
        figure = map_figure(map_frame(county), name=map_file.stem, lang=lang,
                            source=f"tieredcare map show {map_file.name}")
        atomic_write_bytes(target, figure_bytes(figure, fmt))
    main.out.print(f"Wrote {target}", highlight=False)


@app.command("export")
def export_command(
    map_file: MapFile,
    out: Annotated[Path | None, typer.Option(
        "--out", help="GeoJSON file (default: <MAP>.geojson beside it).")] = None,
    overwrite: Overwrite = False,
) -> None:
    """Write a county map as GeoJSON: facilities as points, roads as lines."""
    from tieredcare.atomic import atomic_write_text
    from tieredcare.outputs import check_output_file

    main = _main()
    target = out or map_file.with_name(f"{map_file.stem}.geojson")
    with main.rejected_input():
        check_output_file(target, "geojson", overwrite=overwrite)
        collection = geojson(_county(map_file))
        atomic_write_text(target, json.dumps(collection, ensure_ascii=False, indent=1))
    kind = "lon/lat" if collection["crs_note"] == LONLAT else "km on a local grid"
    main.out.print(f"Wrote {target} ({len(collection['features'])} features, {kind})",
                   highlight=False)


LONLAT = "WGS 84 longitude/latitude"
LOCAL = ("local grid: x/y in km east/north of the county seat (a synthetic or hand-made "
         "map without lon/lat)")


def geojson(county) -> dict[str, Any]:
    """A county map as a GeoJSON FeatureCollection.

    Facilities are Points with their attributes (tier, in_county, slots, beds, quality,
    capability, services, population, township); roads are LineStrings with their
    ``minutes``. Maps imported from tables carry lon/lat (WGS 84, as GeoJSON expects);
    others have only x/y in km, written as they are on a local grid, which
    ``crs_note`` says.

    Args:
        county: A :class:`~tieredcare.world.network.CountyMap`.

    Returns:
        The FeatureCollection as plain data.
    """
    graph = county.graph
    has_lonlat = all("lon" in d and "lat" in d for _, d in graph.nodes(data=True))

    def where(data: dict) -> list[float]:
        if has_lonlat:
            return [float(data["lon"]), float(data["lat"])]
        return [float(data["x"]), float(data["y"])]

    features = []
    for node, data in graph.nodes(data=True):
        props = {k: _plain(v) for k, v in data.items() if k not in ("lon", "lat", "x", "y")}
        features.append({"type": "Feature", "id": str(node),
                         "geometry": {"type": "Point", "coordinates": where(data)},
                         "properties": {"id": str(node), **props}})
    for a, b, data in graph.edges(data=True):
        features.append({"type": "Feature", "geometry": {
            "type": "LineString", "coordinates": [where(graph.nodes[a]), where(graph.nodes[b])]},
            "properties": {"from": str(a), "to": str(b), "minutes": float(data["minutes"])}})
    return {"type": "FeatureCollection", "crs_note": LONLAT if has_lonlat else LOCAL,
            "features": features}


def _plain(value: Any) -> Any:
    value = value.item() if hasattr(value, "item") else value
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _county(map_file: Path):
    """The county of a GraphML map or of a scenario file."""
    from tieredcare.config import load_scenario
    from tieredcare.world.network import CountyMap, county_map, load_graphml

    if map_file.suffix.lower() in (".yaml", ".yml"):
        loaded = load_scenario(map_file)
        sc = loaded.scenario
        return county_map(sc.world, sc.population.residents, loaded.base_dir)
    return CountyMap.from_graph(load_graphml(map_file), str(map_file))


def register(main_app: typer.Typer) -> None:
    """Add the ``map`` command group to the ``tieredcare`` app.

    Args:
        main_app: The ``tieredcare`` Typer app.
    """
    main_app.add_typer(app, name="map")
