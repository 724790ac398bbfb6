"""Importing this package registers every chat command."""
from . import announce, bind, channels, directory, events, help, link, manage, newevent, preferences, privacy, start  # noqa: F401
