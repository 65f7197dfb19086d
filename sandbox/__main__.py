"""Allows `python -m sandbox` as an alias of the `paysandbox` command."""

from sandbox.cli import main

raise SystemExit(main())
