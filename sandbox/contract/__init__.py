"""Contract testing on Schemathesis: fuzz the sandbox, or a real gateway, against our specs."""
