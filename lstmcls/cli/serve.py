"""`lstmcls serve`: a run's export behind HTTP (TensorFlow Serving's REST API, `:explain`, a page at `/`)."""

from __future__ import annotations

from pathlib import Path

import click

from lstmcls.cli.options import RUN_HELP, RUNS_DIR_HELP
from lstmcls.errors import LstmclsError


@click.command()
@click.option("--run", "run_path", type=click.Path(path_type=Path), help=RUN_HELP + " Exported first if need be.")
@click.option(
    "--model",
    "model_path",
    type=click.Path(path_type=Path),
    help="An export directory (`lstmcls export`) to serve instead of a run; :explain needs the run around it.",
)
@click.option("--runs-dir", type=click.Path(path_type=Path), default="runs", show_default=True, help=RUNS_DIR_HELP)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0: every one).")
@click.option("--port", type=click.IntRange(0, 65535), default=8501, show_default=True, help="0 picks a free port.")
@click.option("--name", default="model", show_default=True, help="The model's name in /v1/models/NAME:predict.")
@click.option(
    "--max-batch",
    type=click.IntRange(min=1),
    default=64,
    show_default=True,
    help="Texts per model call at most: concurrent requests share a call (1 turns micro-batching off).",
)
@click.option(
    "--max-wait-ms",
    type=click.FloatRange(min=0),
    default=5.0,
    show_default=True,
    help="How long a request may wait for others to share its model call.",
)
@click.option(
    "--max-body-kb",
    type=click.IntRange(min=1),
    default=1000,
    show_default=True,
    help="Larger request bodies are refused with 413.",
)
def serve(
    run_path: Path | None,
    model_path: Path | None,
    runs_dir: Path,
    host: str,
    port: int,
    name: str,
    max_batch: int,
    max_wait_ms: float,
    max_body_kb: int,
) -> None:
    """Serve a run's SavedModel over HTTP until Ctrl-C or SIGTERM (requests in flight are answered first).

    POST /v1/models/NAME:predict takes TensorFlow Serving's {"instances": [...]} or {"inputs": [...]};
    a page to try the model is at /.
    """
    try:
        from lstmcls.serving.app import ServeOptions
        from lstmcls.serving.model import load_served
        from lstmcls.serving.server import Server, listen
    except ModuleNotFoundError as exc:  # installed without the extra
        raise LstmclsError(f"lstmcls serve needs {exc.name}: pip install 'lstmcls[serve]'") from None

    options = ServeOptions(host, port, name, max_batch, max_wait_ms, max_body_kb * 1000)
    sock = listen(host, port)  # a port in use is refused before the model takes seconds to load
    server = Server(load_served(run_path, model_path, runs_dir), options, sock)
    click.echo(f"serving {server.model.path} as {name!r} at {server.url}/ (Ctrl-C to stop)", err=True)
    click.echo(f'predict: curl -d \'{{"instances": ["a text"]}}\' {server.url}/v1/models/{name}:predict', err=True)
    server.run()
    click.echo("stopped", err=True)
