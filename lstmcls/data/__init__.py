"""Data: the configured source read into labelled texts, split, standardised and turned into `tf.data`."""
