"""The benchmark suite (``make bench PRESET=...``): the pipeline's own code at scale, timed
next to its floor (DuckDB alone) and its peer (dlt), without Prefect."""
