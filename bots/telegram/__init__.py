"""The Telegram bot: a thin python-telegram-bot adapter over ``core.commands``.

Modules: ``render`` (Reply -> HTML chunks + inline keyboards, pure), ``handlers``
(Update -> Request, group addressing, delivery), ``menu`` (localized command menus),
``errors`` (429 / 403 / network retries, the error handler), ``application``
(building the PTB Application), ``runner`` (``alumni run telegram``).
"""
