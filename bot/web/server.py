"""Serving the dashboard with uvicorn inside the bot's own event loop (`hocvuso web`, and
`hocvuso run` when web.enabled): the process's signal handling stays the caller's."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Iterator

import uvicorn
from starlette.applications import Starlette

log = logging.getLogger("hocvuso.web")


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # The caller owns SIGINT/SIGTERM (and `hocvuso run` SIGHUP); it stops us through `stop()`.
        yield


class WebServer:
    def __init__(self, app: Starlette, listen: str, port: int):
        self.app, self.listen, self.port = app, listen, port
        self.socket: socket.socket | None = None
        self._server: _Server | None = None

    def bind(self) -> int:
        """Open the listening socket now, so a port in use is one clear line at start-up.
        Returns the port (useful with port 0: any free one)."""
        family = socket.AF_INET6 if ":" in self.listen else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.listen, self.port))
        except OSError as exc:
            sock.close()
            raise OSError(
                f"web: cannot listen on {self.listen}:{self.port} ({exc.strerror or exc})"
            ) from None
        sock.listen(128)
        sock.setblocking(False)
        self.socket = sock
        self.port = sock.getsockname()[1]
        return self.port

    async def serve(self) -> None:
        if self.socket is None:
            self.bind()
        assert self.socket is not None
        config = uvicorn.Config(
            self.app,
            lifespan="off",
            access_log=False,
            log_level="warning",
            proxy_headers=True,  # the client address from X-Forwarded-For, set by the reverse proxy…
            forwarded_allow_ips="127.0.0.1",  # …only when the request comes from this machine
            server_header=False,
            # Longer than a client's usual pause, so a kept-alive connection is not closed just as
            # the client reuses it (uvicorn's 5 s made such races likely on a busy machine).
            timeout_keep_alive=65,
        )
        self._server = _Server(config)
        log.info("web dashboard on http://%s:%d", self.listen, self.port)
        try:
            await self._server.serve(sockets=[self.socket])
        finally:
            self.socket.close()

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True


async def run_until(server: WebServer, stop: asyncio.Event) -> None:
    task = asyncio.create_task(server.serve())
    stopper = asyncio.create_task(stop.wait())
    await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    server.stop()
    stopper.cancel()
    await task
