"""Importing this module registers every feature's timed jobs and delivery renderers."""
