"""The adapters' shared kit: what every chat platform does the same way, written once.

- ``ordering``: one request at a time per (chat, member), in arrival order;
- ``splitting``: long text cut into platform-sized messages at safe places;
- ``binding``: which requests need the chat's rights from the platform (bind, unbind, presses);
- ``failure``: the reply a member gets, in their language, when the core fails;
- ``privacy``: where a personal answer asked outside a private chat goes;
- ``pipeline``: a request through all of the above to the core and back.

Each adapter keeps only its platform's part: parsing an update into a ``Request``, rendering a
``Reply`` natively, sending it.
"""
