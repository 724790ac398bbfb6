"""The Discord bot: a thin discord.py 2 adapter over the core's command service.

``client`` builds the discord.py client and its application commands, ``handlers`` turns
interactions into core requests and replies into messages, ``render`` is pure formatting,
``access`` gives and takes roles, ``transport`` sends pushes for the delivery engine,
``runner`` is ``alumni run discord``.
"""
