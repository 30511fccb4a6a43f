"""Micro-batching: the texts of concurrent requests go through the model in one call.

A recurrent model costs little more for 32 texts than for one, so under concurrency one call per request
wastes most of the machine. Requests queue here; a batch is cut when it holds `max_batch` texts or when its
first request has waited `max_wait_ms`, runs in one worker thread (the event loop keeps accepting meanwhile),
and each request gets back exactly its own rows. A request is never split: one larger than `max_batch` runs
alone. `max_batch=1` is one model call per request.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

Outputs = dict[str, np.ndarray]  # output name → rows, one per text


@dataclass
class _Pending:
    texts: list[str]
    future: asyncio.Future
    arrived: float = field(default=0.0)


class MicroBatcher:
    """Queues `predict` calls and answers them from shared model calls; `start` and `stop` inside a loop."""

    def __init__(
        self,
        model: Callable[[list[str]], Outputs],
        max_batch: int = 64,
        max_wait_ms: float = 5.0,
        on_batch: Callable[[int], None] | None = None,
    ) -> None:
        self._model, self._max_batch, self._max_wait = model, max_batch, max_wait_ms / 1000
        self._on_batch = on_batch or (lambda size: None)
        self._pending: deque[_Pending] = deque()
        self._queued = 0  # texts in `_pending`
        self._arrived = asyncio.Event()
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="lstmcls-model")
        self._worker: asyncio.Task | None = None

    def start(self) -> None:
        self._worker = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        """Stop batching (requests still queued are refused) and release the model's thread."""
        if self._worker is not None:
            self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)
        for pending in self._pending:
            if not pending.future.done():
                pending.future.set_exception(RuntimeError("the server is shutting down"))
        self._executor.shutdown(wait=True)

    async def predict(self, texts: list[str]) -> Outputs:
        """The model's outputs for `texts`, computed in a batch with whatever else is queued."""
        loop = asyncio.get_running_loop()
        pending = _Pending(texts, loop.create_future(), loop.time())
        self._pending.append(pending)
        self._queued += len(texts)
        self._arrived.set()
        return await pending.future

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._arrived.wait()
            deadline = self._pending[0].arrived + self._max_wait
            while self._queued < self._max_batch and (left := deadline - loop.time()) > 0:
                self._arrived.clear()
                try:
                    await asyncio.wait_for(self._arrived.wait(), left)
                except TimeoutError:
                    break
            batch = self._take()
            if not self._pending:
                self._arrived.clear()
            await self._call(batch)

    def _take(self) -> list[_Pending]:
        """The oldest requests that fit in `max_batch` texts (at least one)."""
        batch, size = [], 0
        while self._pending and (not batch or size + len(self._pending[0].texts) <= self._max_batch):
            pending = self._pending.popleft()
            batch.append(pending)
            size += len(pending.texts)
        self._queued -= size
        return batch

    async def _call(self, batch: list[_Pending]) -> None:
        texts = [text for pending in batch for text in pending.texts]
        self._on_batch(len(texts))
        try:
            outputs = await asyncio.get_running_loop().run_in_executor(self._executor, self._model, texts)
        except Exception as exc:  # the model failed: every request in the batch hears why, the server goes on
            for pending in batch:
                if not pending.future.done():
                    pending.future.set_exception(exc)
            return
        start = 0
        for pending in batch:
            end = start + len(pending.texts)
            if not pending.future.done():  # a client that went away cancels its future
                pending.future.set_result({name: rows[start:end] for name, rows in outputs.items()})
            start = end
