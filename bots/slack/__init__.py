"""The Slack app: a thin slack-bolt (async) adapter over ``core.commands``.

Modules: ``render`` (Reply -> Block Kit, pure), ``handlers`` (payload -> Request, answers),
``application`` (the bolt AsyncApp and its listeners), ``home`` (App Home tab), ``access``
(invites into bound channels), ``bind`` (who may bind a channel), ``profiles`` (users.info),
``transport`` (the delivery engine's Slack transport), ``errors``, ``modals`` (seam), ``runner``
(``alumni run slack``). Setting up a real app: README.md.
"""
