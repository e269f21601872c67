"""A WSGI application served on 127.0.0.1 from a thread of its own: the local gateway (API and
website) and the documents' viewer, each on its port."""

from __future__ import annotations

import threading
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """The application logs its own line per request."""


class LoopbackServer:
    """Serves `app` on 127.0.0.1:`port` (0: any free port) until stopped; threaded."""

    def __init__(self, app: Any, port: int, name: str) -> None:
        self._app = app
        self._port = port
        self._name = name
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The port it listens on (the one the system chose, for 0), once started."""
        assert self._server is not None, "start() first"
        return int(self._server.server_port)

    def start(self) -> None:
        self._server = make_server(
            "127.0.0.1", self._port, self._app, threaded=True, request_handler=_QuietHandler
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, name=self._name, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
