"""`create_app(model, options)`: the HTTP application behind `lstmcls serve` (FastAPI, run by uvicorn).

Endpoints, TensorFlow Serving's REST API first (`lstmcls.serving.protocol` has the body shapes):

- `POST /v1/models/NAME[/versions/1]:predict`: row (`instances`) or columnar (`inputs`) format;
- `GET /v1/models/NAME[/versions/1]`: the version status; `GET /v1/models/NAME[/versions/1]/metadata`: the
  signatures;
- `POST /v1/models/NAME:explain` (lstmcls's own): token attributions for one text;
- `GET /healthz`, `GET /metrics` (Prometheus text), `GET /` (a page to try the model).

Every refused request is answered `{"error": "..."}` with a 4xx status, and the server goes on serving.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse
from starlette.exceptions import HTTPException

from lstmcls.errors import LstmclsError
from lstmcls.serving import protocol
from lstmcls.serving.batching import MicroBatcher
from lstmcls.serving.metrics import CONTENT_TYPE, Metrics
from lstmcls.serving.model import ServedModel
from lstmcls.serving.page import render_page
from lstmcls.serving.protocol import RequestError

VERSION = "1"  # an lstmcls export is one version; TF Serving's layout puts it in NAME/1/


@dataclass(frozen=True)
class ServeOptions:
    """How `lstmcls serve` listens and batches.

    Attributes:
        name: the model's name in the URLs (`/v1/models/NAME:predict`).
        max_batch: texts per model call at most; 1 turns micro-batching off.
        max_wait_ms: how long a request may wait for others to share its model call.
        max_body_bytes: larger request bodies are refused with 413.
    """

    host: str = "127.0.0.1"
    port: int = 8501
    name: str = "model"
    max_batch: int = 64
    max_wait_ms: float = 5.0
    max_body_bytes: int = 1_000_000


def create_app(model: ServedModel, options: ServeOptions = ServeOptions()) -> FastAPI:
    """The application serving `model`; the micro-batcher runs while the app's lifespan does."""
    service = _Service(model, options)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        service.batcher.start()
        yield
        await service.stop()

    app = FastAPI(title=f"lstmcls: {options.name}", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.add_api_route("/", service.page, methods=["GET"], response_class=HTMLResponse)
    app.add_api_route("/healthz", service.health, methods=["GET"])
    app.add_api_route("/metrics", service.metrics_text, methods=["GET"], response_class=PlainTextResponse)
    app.add_api_route("/v1/models/{target:path}", service.post, methods=["POST"])
    app.add_api_route("/v1/models/{target:path}", service.get, methods=["GET"])
    app.add_exception_handler(RequestError, _request_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_middleware(_Measured, metrics=service.metrics)
    return app


_Message = MutableMapping[str, Any]


class _Measured:
    """Counts and times every HTTP request for `/metrics`. A plain ASGI middleware: Starlette's
    `BaseHTTPMiddleware` costs a task group, events and a stream per request, measured at a quarter of the
    server's event-loop time under load."""

    def __init__(self, app: Callable[..., Awaitable[None]], metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: _Message, receive: Callable, send: Callable[[_Message], Awaitable[None]]) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started, status = time.perf_counter(), 500  # 500 unless a response starts: an unhandled exception
        endpoint = _endpoint(scope["method"], scope["path"])
        self.metrics.request_started(endpoint)

        async def sending(message: _Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            self.metrics.observe_request(endpoint, status, time.perf_counter() - started)


class _Service:
    """The endpoints' state: the model, its batcher, the explain thread, the counters."""

    def __init__(self, model: ServedModel, options: ServeOptions) -> None:
        self.model, self.options, self.metrics = model, options, Metrics()
        self.batcher = MicroBatcher(model.predict, options.max_batch, options.max_wait_ms, self.metrics.observe_batch)
        self.explainer = ThreadPoolExecutor(1, thread_name_prefix="lstmcls-explain")

    async def stop(self) -> None:
        await self.batcher.stop()
        self.explainer.shutdown(wait=True)

    async def page(self) -> str:
        return render_page(self.options.name, self.model.labels)

    async def health(self) -> dict[str, str]:
        return {"status": "ok"}

    async def metrics_text(self) -> Response:
        return PlainTextResponse(self.metrics.render(), media_type=CONTENT_TYPE)

    async def get(self, target: str) -> dict[str, Any]:
        """`NAME[/versions/1]`: the status; `.../metadata`: the signatures, as TF Serving answers them."""
        path, metadata = (target[: -len("/metadata")], True) if target.endswith("/metadata") else (target, False)
        name = self._model_name(path)
        if metadata:
            signatures = {"signature_def": self.model.signature_defs}
            return {
                "model_spec": {"name": name, "signature_name": "", "version": VERSION},
                "metadata": {"signature_def": signatures},
            }
        status = {"error_code": "OK", "error_message": ""}
        return {"model_version_status": [{"version": VERSION, "state": "AVAILABLE", "status": status}]}

    async def post(self, target: str, request: Request) -> JSONResponse:
        """`:predict` and `:explain`, answered as a response already (FastAPI would walk the dict again)."""
        path, colon, verb = target.rpartition(":")
        self._model_name(path if colon else target)
        if verb == "predict":
            return JSONResponse(await self._predict(await self._body(request)))
        if verb == "explain":
            return JSONResponse(await self._explain(await self._body(request)))
        raise RequestError(404, f"no such method {verb!r}; POST to /v1/models/NAME:predict or :explain")

    async def _predict(self, body: bytes) -> dict[str, Any]:
        parsed = protocol.parse_predict(body)
        try:
            outputs = await self.batcher.predict(parsed.texts)
        except Exception as exc:  # the model failed on this batch: say so, keep serving
            raise RequestError(500, f"the model failed: {type(exc).__name__}: {exc}") from None
        return protocol.predict_response(outputs, parsed.format)

    async def _explain(self, body: bytes) -> dict[str, Any]:
        if self.model.run is None:
            raise RequestError(
                501, f"{self.model.path} lies in no run, and attributions need the run's model; serve with --run RUN"
            )
        parsed = protocol.parse_explain(body)
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self.explainer, _explain, self.model, parsed)
        except LstmclsError as exc:  # an unknown target class, a text with no tokens once standardized
            raise RequestError(400, str(exc)) from None

    def _model_name(self, path: str) -> str:
        """The model a URL path names (`NAME` or `NAME/versions/1`), or a 404 that says which one is served."""
        name, _, version = path.partition("/versions/")
        if name != self.options.name:
            raise RequestError(404, f"model {name!r} not found; this server serves {self.options.name!r}")
        if version and version != VERSION:
            raise RequestError(404, f"version {version!r} of {name!r} not found; this server has version {VERSION}")
        return name

    async def _body(self, request: Request) -> bytes:
        """The request body, refused with 413 as soon as it passes `max_body_bytes`."""
        limit = self.options.max_body_bytes
        too_large = RequestError(
            413, f"the request body is over {limit} bytes; send fewer or shorter texts per request"
        )
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise too_large
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise too_large
            chunks.append(chunk)
        return b"".join(chunks)


def _explain(model: ServedModel, request: protocol.ExplainRequest) -> dict[str, Any]:
    from lstmcls.interpret.attributions import explain
    from lstmcls.interpret.render_html import to_html

    # one explanation, or a multi-label model's one per predicted label: the most probable label's comes first
    explanation = explain(model.parts(), [request.text], target=request.target, steps=request.steps)[0]
    return {**explanation.to_dict(), **({"html": to_html([explanation])} if request.html else {})}


def _endpoint(method: str, path: str) -> str:
    fixed = {"/": "page", "/healthz": "health", "/metrics": "metrics"}
    if path in fixed:
        return fixed[path]
    if not path.startswith("/v1/models/"):
        return "other"
    for suffix, endpoint in ((":predict", "predict"), (":explain", "explain"), ("/metadata", "metadata")):
        if path.endswith(suffix):
            return endpoint
    return "status" if method == "GET" else "other"


async def _request_error(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"error": str(exc)}, status_code=exc.status)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    """Starlette's own refusals (an unknown path, a wrong method) in TF Serving's error shape."""
    return JSONResponse({"error": f"{exc.detail}: {request.method} {request.url.path}"}, status_code=exc.status_code)
