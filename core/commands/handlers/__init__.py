"""Importing this package registers every chat command."""
from . import announce, announcement, bind, binding, channels, directory, events, help, link, manage, newevent, preferences, privacy, start  # noqa: F401
