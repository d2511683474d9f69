"""Analysis: derived datasets -> headline numbers (results.json) and tidy tables for the report."""
