"""The server process: one uvicorn server on a socket bound up front, stopped gracefully.

The socket is bound before uvicorn starts, so a port in use is one clear error (and `--port 0` picks a free
port whose number `Server.url` tells). On SIGTERM or Ctrl-C uvicorn stops accepting connections, answers the
requests in flight (the micro-batcher keeps running until they are), then the app shuts down and `run`
returns, so the command exits 0.
"""

from __future__ import annotations

import socket
import threading

import uvicorn

from lstmcls.errors import RunError
from lstmcls.serving.app import ServeOptions, create_app
from lstmcls.serving.model import ServedModel

GRACE_SECONDS = 30  # how long requests in flight may take to finish once a stop is asked for


class _Uvicorn(uvicorn.Server):
    """uvicorn's server without its last step: after a graceful stop it raises the signal again, which would
    end the process by that signal instead of with exit code 0."""

    def handle_exit(self, sig: int, frame: object) -> None:
        super().handle_exit(sig, frame)
        self._captured_signals.clear()


class Server:
    """`model` behind HTTP on `options.host:options.port`: `run()` serves until a stop is asked for."""

    def __init__(self, model: ServedModel, options: ServeOptions, sock: socket.socket | None = None) -> None:
        """Binds `options.host:options.port` unless given `sock`, bound already (`listen`)."""
        self.model, self.socket = model, sock if sock is not None else listen(options.host, options.port)
        config = uvicorn.Config(
            create_app(model, options),
            log_config=None,  # the CLI's logging; uvicorn's access lines stay off
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=GRACE_SECONDS,
            # "auto" takes httptools, which the serve extra installs: a C HTTP parser, where h11's pure Python
            # took a large share of the event loop under load. Not uvloop: on SIGTERM it reset connections whose
            # requests were in flight, which asyncio's loop answers.
            http="auto",
            loop="asyncio",
        )
        self._server = _Uvicorn(config)

    @property
    def url(self) -> str:
        host, port = self.socket.getsockname()[:2]
        return f"http://{host}:{port}"

    def run(self) -> None:
        """Serve until SIGTERM or Ctrl-C (in the main thread) or `stop()`; requests in flight are answered."""
        try:
            self._server.run(sockets=[self.socket])
        finally:
            self.socket.close()

    def stop(self) -> None:
        """Ask a server running in another thread to stop gracefully (what SIGTERM does in the main thread)."""
        self._server.should_exit = True

    @property
    def started(self) -> bool:
        return self._server.started

    def start_in_thread(self) -> threading.Thread:
        """Serve from a background thread (in-process use, tests); returns once requests are answered."""
        thread = threading.Thread(target=self.run, name="lstmcls-serve", daemon=True)
        thread.start()
        while not self.started and thread.is_alive():
            thread.join(0.02)
        if not self.started:
            raise RunError(f"the server on {self.url} did not start; rerun with --debug to see why")
        return thread


def listen(host: str, port: int) -> socket.socket:
    """A TCP socket listening on `host:port`, or a RunError that says what to change."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        # IPPROTO_TCP spelled out: asyncio turns Nagle's algorithm off (TCP_NODELAY) only on sockets that say
        # TCP, and with it on every keep-alive request waits ~40 ms for a delayed ACK.
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    except OSError as exc:
        raise RunError(f"cannot listen on {host}:{port} ({exc.strerror or exc}); check --host") from None
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(socket.SOMAXCONN)  # from now on clients wait in the backlog rather than being refused
    except OSError as exc:
        sock.close()
        hint = "pick another --port (or stop what uses it)" if port else "check --host"
        raise RunError(f"cannot listen on {host}:{port}: {exc.strerror or exc}; {hint}") from None
    return sock


def serve(model: ServedModel, options: ServeOptions | None = None) -> None:
    """Serve `model` until SIGTERM or Ctrl-C; requests in flight are answered before it returns."""
    Server(model, options or ServeOptions()).run()
