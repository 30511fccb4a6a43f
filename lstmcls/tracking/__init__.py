"""Views of a run in the trackers teams already use: MLflow (optional, `track:` or `--track mlflow`) and
TensorBoard's HParams tab (always). The run directory stays the source of truth: a tracker that cannot be
reached costs a warning, never a training, and `lstmcls track RUN` logs a finished run after the fact.
"""

from lstmcls.tracking.session import TRACKERS, Tracking, record_export, record_results, track_run, with_trackers

__all__ = ["TRACKERS", "Tracking", "record_export", "record_results", "track_run", "with_trackers"]
