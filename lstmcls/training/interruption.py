"""Ctrl-C and SIGTERM as a stop request: training stops after the batch in progress, and the run stays resumable.

A raw KeyboardInterrupt can land anywhere, inside TensorFlow or database clean-up code that may swallow it; a
request is an event that training (`callbacks.StopOnRequest`) and a search between trials (tune) check.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

log = logging.getLogger("lstmcls")

_active_request: threading.Event | None = None


@contextmanager
def stop_requests() -> Iterator[threading.Event]:
    """Turn the first SIGINT / SIGTERM into a stop request; a second SIGINT stops at once.

    Nested uses share the outermost request, so a caller that trains repeatedly (tune) holds the handler from
    start to end: a signal between two trainings is a request it sees, never a KeyboardInterrupt raised at a
    random point (where TensorFlow or SQLAlchemy clean-up code may swallow it).
    """
    global _active_request
    if _active_request is not None:
        yield _active_request
        return
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():  # signals only reach the main thread
        yield stop
        return

    def request(signum: int, frame) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        log.warning("stopping after the current batch (press Ctrl-C again to stop at once)")

    previous = {sig: signal.signal(sig, request) for sig in (signal.SIGINT, signal.SIGTERM)}
    _active_request = stop
    try:
        yield stop
    finally:
        _active_request = None
        for sig, handler in previous.items():
            signal.signal(sig, handler)
