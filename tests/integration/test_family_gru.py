"""The GRU and the simple RNN, both ways with every pooling (and fused), learn word order, export the same
outputs (one export per cell and per pooling) and load in a fresh process through the Python API (model_family.py)."""

from model_family import family_tests

(
    family,
    test_learns_word_order,
    test_exports_the_same_outputs,
    test_every_run_loads_in_a_fresh_process_through_the_python_api,
) = family_tests(["gru", "simple_rnn"])
