"""The control API (`/_sandbox`): reset, clock, credentials, journal, simulate."""
