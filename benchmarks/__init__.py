"""``make bench``: reproducible benchmarks, printed as a table and written as JSON to bench-results/."""
