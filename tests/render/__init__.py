"""Tests of bulletin.render and the built-in default theme."""
