"""Benchmarks: each bench_<name>.py exposes run(scale) -> list of figures; `python -m bench` runs them all."""
