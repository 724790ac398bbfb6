"""The delivery engine: every push (reminder, announcement, notice) goes through the outbox here.

Planning code calls ``outbox.enqueue_many`` inside its own transaction (idempotent by
``key``); once it commits, the hooks added with ``outbox.on_commit`` run (the composition
root wakes its engine there). A bot process runs one ``engine.DeliveryEngine(db, transports,
jobs=..., renderers=...)``: one APScheduler running the dispatch loop and the periodic jobs
it is given (``core.features`` lists them). The dispatcher (``dispatcher.py``) claims due rows
(``claim.py``: leases, ``FOR UPDATE SKIP LOCKED`` on PostgreSQL), renders them in the
recipient's language (``renderers.py``), paces them (``limits.py``: the platforms'
published limits, 429s) and hands them to the platform's ``Transport``, then marks each
row (statuses are listed in ``claim.py``).

Writing a transport (``transport.py``): a ``platform`` name and ``async send(target, reply)``
raising ``RetryAfter``/``TransientError``/``PermanentError``/``Unreachable``. Optional:
``send_paced(target, reply, pace, progress)`` for a reply that becomes several platform
messages (await ``pace()`` before each, send only ``progress.remaining(parts)``, await
``progress.sent(index)`` after each accepted one: a retry then resumes there), and
``addresses`` (a set of user ids) to serve only those people (the console serves the
person at the keyboard). Nothing else: no limits, no retries.
"""
