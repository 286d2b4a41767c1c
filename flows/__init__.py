"""Prefect flows: orchestration only; every step is a plain function from another package."""
