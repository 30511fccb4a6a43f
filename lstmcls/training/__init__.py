"""Training: a run from a config — the fit, its callbacks, interruption and resume, and tf.distribute."""
