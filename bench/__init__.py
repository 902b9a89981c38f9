"""The benchmark harness (issue 8): `make bench` / `python bench/run.py`. Not part of the product."""
