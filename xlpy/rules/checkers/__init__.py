"""Checkers for rules that are not arithmetic: importing this package registers them all."""
