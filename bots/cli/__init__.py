"""The ``alumni`` command line (entry point ``bots.cli.main:main``)."""
from .main import main

__all__ = ["main"]
