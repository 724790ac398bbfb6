"""The console bot: ``alumni chat`` talks to the core from a terminal (or a pipe) as a local member.

- ``render`` — Replies to text lines (pure), buttons numbered ``[1]``, ``[2]``...
- ``session`` — typed lines to Requests; remembers the last numbered choices
- ``loop`` — the read-eval-print loop (``run_console``)
"""
from .loop import run_console
from .render import Rendered, render, render_reply
from .session import ConsoleSession

__all__ = ["ConsoleSession", "Rendered", "render", "render_reply", "run_console"]
