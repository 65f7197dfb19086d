"""Hardening tests (issue 10): hostile input, limits, workers that agree."""
