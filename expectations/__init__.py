"""Great Expectations suites (one per dataset) and the runner that splits good rows from bad."""
