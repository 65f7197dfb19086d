"""Tests of issue 10: the sandbox is safe to leave running."""
