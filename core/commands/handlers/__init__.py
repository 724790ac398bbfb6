"""Importing this package registers every chat command."""
from . import announce, channels, directory, help, link, preferences, privacy, start  # noqa: F401
