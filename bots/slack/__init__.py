"""The Slack app: a thin adapter between slack-bolt (async) and the core's command service.

``alumni run slack`` starts it (``runner.run``); see README.md for setting up a real app.
"""
