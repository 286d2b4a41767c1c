"""Shared contracts of smallcap-etl: settings, universe, datasets, calendar, errors."""
