"""Serving a trained model over HTTP: TensorFlow Serving's REST API, explanations, a page to try it.

`model.load_served` checks and loads an export, `app.create_app` is the ASGI application (testable
in-process), `server.Server(...).run()` serves it with uvicorn until SIGTERM or Ctrl-C; concurrent requests
share model calls (`batching`). `lstmcls serve` is these three calls.
"""
