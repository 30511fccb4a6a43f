"""Explaining predictions: token attributions, attention weights and gate traces, and their rendering."""
