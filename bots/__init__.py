"""Adapters between chat platforms (and the terminal) and the core.

``bots.cli`` is the ``alumni`` command line; ``bots.console`` the terminal bot;
``bots.telegram``, ``bots.discord``, ``bots.slack`` the platform bots, each started by
``alumni run <platform>`` through its ``runner.run(settings, args)``.
"""
