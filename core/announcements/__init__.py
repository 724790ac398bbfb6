"""Ambassador announcements: who may announce where, planning one into the outbox, reporting back.

``rights`` decides who may broadcast to which channel, ``texts`` cleans and renders the
language versions, ``planning`` resolves recipients and writes outbox rows, ``schedule``
reads a wall-clock sending time, ``jobs`` plans due announcements and reports when done,
``sending`` checks each row again and adds its header when it goes out, ``cancel`` stops one,
``report`` tells the sender how it went.
"""
