"""National-scale benchmarks for Helhedsblik: ``python -m benchmarks`` (``make bench``).

Not part of the test suite. See ``benchmarks/README.md`` for what is measured and how.
"""
