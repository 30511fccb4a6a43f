"""The parts of `scripts/bench.py`, one module per concern: running commands and writing result files (`common`),
the IMDB accuracy rows (`accuracy`), the same-work training throughput (`throughput`), prediction (`predict`) and
docs/benchmarks.md rendered from the committed result files alone (`render`, `protocol`)."""
