"""Inference on a finished run: evaluate it, predict with it, export it as a SavedModel."""
