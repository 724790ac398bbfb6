"""Importing this package registers every chat command."""
from . import announce, bind, channels, directory, help, link, preferences, privacy, start  # noqa: F401
