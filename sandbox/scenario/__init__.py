"""YAML scenarios: fixtures, lifecycle overrides, fault rules and scripted steps."""
