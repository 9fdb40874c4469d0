"""The benchmark of issue 7 (``make bench``, ``python -m bench``) and its shared load generator.

Run the scripts as modules from the project root (``.venv/bin/python -m bench.run``) so that
``from bench.loadgen import closed_loop`` works in every one of them.
"""
