"""Benchmarks (not run by the test suite): `python -m bench` prints every figure beside its target."""
