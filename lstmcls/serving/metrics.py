"""Prometheus-style counters for `/metrics`: requests, requests in flight, errors, latency and batch sizes.

Written in Prometheus's text format (version 0.0.4) by hand: a few counters and two histograms do not need a
client library, and every update happens on the server's event loop, so no locking either.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)  # seconds
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)  # texts per model call
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class Histogram:
    """Counts of observations at or below each bucket's upper bound, their sum and their count."""

    def __init__(self, buckets: tuple[float, ...]) -> None:
        self.buckets, self.counts, self.sum, self.count = buckets, [0] * len(buckets), 0.0, 0

    def observe(self, value: float) -> None:
        index = bisect_left(self.buckets, value)
        if index < len(self.buckets):
            self.counts[index] += 1
        self.sum += value
        self.count += 1

    def lines(self, name: str, labels: str) -> list[str]:
        """Cumulative `_bucket` lines, then `_sum` and `_count`; `labels` is `key="value",` or empty."""
        lines, running = [], 0
        for bound, count in zip(self.buckets, self.counts):
            running += count
            lines.append(f'{name}_bucket{{{labels}le="{bound:g}"}} {running}')
        lines.append(f'{name}_bucket{{{labels}le="+Inf"}} {self.count}')
        braces = f"{{{labels.rstrip(',')}}}" if labels else ""
        return [*lines, f"{name}_sum{braces} {self.sum:.6f}", f"{name}_count{braces} {self.count}"]


class Metrics:
    """Per endpoint (predict, explain, status, metadata, page, health, metrics, other): requests by status
    code, requests being answered now, and latency; texts per model call."""

    def __init__(self) -> None:
        self.requests: dict[tuple[str, int], int] = defaultdict(int)
        self.in_flight: dict[str, int] = defaultdict(int)
        self.latency: dict[str, Histogram] = {}
        self.batches = Histogram(BATCH_BUCKETS)

    def request_started(self, endpoint: str) -> None:
        self.in_flight[endpoint] += 1

    def observe_request(self, endpoint: str, status: int, seconds: float) -> None:
        """A request answered (or failed): counted by status, timed, and no longer in flight."""
        self.in_flight[endpoint] -= 1
        self.requests[endpoint, status] += 1
        self.latency.setdefault(endpoint, Histogram(LATENCY_BUCKETS)).observe(seconds)

    def observe_batch(self, texts: int) -> None:
        self.batches.observe(texts)

    def render(self) -> str:
        lines = [
            "# HELP lstmcls_requests_total HTTP requests answered, by endpoint and status code.",
            "# TYPE lstmcls_requests_total counter",
        ]
        for (endpoint, status), count in sorted(self.requests.items()):
            lines.append(f'lstmcls_requests_total{{endpoint="{endpoint}",code="{status}"}} {count}')
        errors: dict[str, int] = defaultdict(int)
        for (endpoint, status), count in self.requests.items():
            if status >= 400:
                errors[endpoint] += count
        lines += [
            "# HELP lstmcls_requests_in_flight HTTP requests received and not yet answered, by endpoint.",
            "# TYPE lstmcls_requests_in_flight gauge",
            *(f'lstmcls_requests_in_flight{{endpoint="{e}"}} {count}' for e, count in sorted(self.in_flight.items())),
            "# HELP lstmcls_request_errors_total HTTP requests answered with a 4xx or 5xx status, by endpoint.",
            "# TYPE lstmcls_request_errors_total counter",
            *(f'lstmcls_request_errors_total{{endpoint="{e}"}} {count}' for e, count in sorted(errors.items())),
            "# HELP lstmcls_request_seconds Time from request to response, by endpoint.",
            "# TYPE lstmcls_request_seconds histogram",
        ]
        for endpoint, histogram in sorted(self.latency.items()):
            lines += histogram.lines("lstmcls_request_seconds", f'endpoint="{endpoint}",')
        lines += [
            "# HELP lstmcls_batch_texts Texts per model call (micro-batching groups concurrent requests).",
            "# TYPE lstmcls_batch_texts histogram",
            *self.batches.lines("lstmcls_batch_texts", ""),
        ]
        return "\n".join(lines) + "\n"
