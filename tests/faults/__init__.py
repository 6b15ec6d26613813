"""Fault-injection suite (issue 8): real processes, real HTTP on 127.0.0.1, real kills."""
