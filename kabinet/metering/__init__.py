"""Meters and readings: meters on accounts and buildings, readings with validation, review and export."""
