"""Tools on top of training: hyperparameter search, word-vector pretraining, data reports, starter configs."""
