"""The explorer's web server: Solara's app on uvicorn, on one port of this machine.

The page's browser assets come from the ``solara-assets`` package, so nothing is fetched
from the internet; Solara's usage reports are switched off. Besides Solara's own routes
the server serves the two fonts of the chart pack, so the page is set in the charts' type.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import warnings
from collections.abc import Callable
from pathlib import Path

from tieredcare.explore.state import Explorer

APP = "tieredcare.explore.page:Page"
READY_WAIT = 60.0
"""Seconds to wait for the server to start before giving up on announcing it."""


def font_files() -> dict[str, Path]:
    """The chart pack's fonts by file name: DejaVu Sans (matplotlib's) and Noto Sans SC."""
    import matplotlib

    from tieredcare.viz.fonts import packaged_font

    fonts = {"DejaVuSans.ttf": Path(matplotlib.get_data_path()) / "fonts/ttf/DejaVuSans.ttf"}
    noto = packaged_font()
    if noto is not None:
        fonts["NotoSansSC-Regular.otf"] = noto
    return fonts


def listen(host: str, port: int) -> socket.socket:
    """A socket listening on ``host:port`` (port 0: any free port).

    Raises:
        OSError: If the address cannot be used (in use, or not this machine's).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def address(sock: socket.socket) -> str:
    """The page's address for a listening socket."""
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def serve(explorer: Explorer, sock: socket.socket,
          announce: Callable[[str], None] = print) -> None:
    """Serve the explorer on a listening socket until interrupted (Ctrl+C).

    Args:
        explorer: The scenario and what the sessions share.
        sock: From :func:`listen`.
        announce: Called with the page's address once the server answers.
    """
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    import solara.server.settings as settings

    # Plain http on this machine is intended; Solara's advice about https cookies is not.
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")
    settings.main.mode = "production"
    settings.telemetry.mixpanel_enable = False
    import solara.server.app as solara_app
    import solara.server.starlette as solara_starlette
    import uvicorn
    from starlette.responses import FileResponse, Response
    from starlette.routing import Route

    from tieredcare.explore.page import FONT_URL, use_explorer

    use_explorer(explorer)
    solara_app.apps["__default__"] = solara_app.AppScript(APP)
    fonts = font_files()

    async def font(request):  # only the known files: no path is taken from the request
        file = fonts.get(request.path_params["name"])
        return FileResponse(file) if file is not None else Response(status_code=404)

    solara_starlette.app.router.routes.insert(0, Route(FONT_URL + "{name}", font))
    # Charts go to the page as PNG, which deflate cannot shrink: compressing the
    # websocket's messages would only cost time.
    server = uvicorn.Server(uvicorn.Config(solara_starlette.app, log_level="warning",
                                           lifespan="on", ws_per_message_deflate=False))

    def tell_when_ready() -> None:
        deadline = time.monotonic() + READY_WAIT
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        if server.started:
            announce(address(sock))
        threading.Thread(target=explorer.baseline, daemon=True).start()  # first page sooner

    threading.Thread(target=tell_when_ready, daemon=True).start()
    server.run(sockets=[sock])
