"""The contracts every layer imports: settings, universe, datasets, calendar, errors, version."""
