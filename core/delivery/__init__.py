"""The delivery engine: every push (reminder, announcement, notice) goes through the outbox here.

Planning code calls ``outbox.enqueue_many`` inside its own transaction; a dispatcher
claims due rows, renders them, and hands them to a platform ``Transport``.
"""
