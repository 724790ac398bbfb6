"""Importing this package registers every chat command."""
from . import bind, channels, directory, help, link, preferences, privacy, start  # noqa: F401
