"""What a bot process does once at start, so that its first burst of requests does not pay for it.

- The directory's search index: otherwise the first search builds it inside its request's
  transaction, and on SQLite a new member's request holds the write lock meanwhile (everyone's
  first contact waits; under a 200-member burst some waited past the busy timeout).
- The catalogs of every language (compiled from their .po files when first used) and the CLDR
  names of languages and countries: a few tens of milliseconds each, paid once here.
- ``gc.freeze()``: everything alive once the process is up (catalogs, CLDR data, the index, the
  libraries) moves out of the collector's reach, so a full collection no longer walks ~230,000
  objects in the middle of a burst (a 0.6 s stop of the event loop, bench/bench_load.py).
"""
from __future__ import annotations

import gc
import logging
import time

from sqlalchemy.exc import SQLAlchemyError

from core.app import App
from core.geo.countries import country_name
from core.i18n import SUPPORTED_LANGUAGES, language_name
from core.i18n.catalogs import translations

log = logging.getLogger(__name__)


async def warm_up(app: App, *, freeze: bool = False) -> None:
    """Load the catalogs, build the search index, then (``freeze``) keep what is alive out of the collector's reach.

    Freeze only in a process of its own (``alumni run``): in a shared one (a test session) the
    frozen objects would never be collected. A database that cannot be read now is no reason
    not to start: the first search builds the index then.
    """
    started = time.monotonic()
    for language in SUPPORTED_LANGUAGES:
        translations(language)
        language_name(language)
        country_name("FR", language)
    try:
        index = await app.commands.directory.index()
    except (SQLAlchemyError, OSError) as error:
        log.warning("search index not built at start (%s): the first search will build it", type(error).__name__)
    else:
        log.info("search index of %d associations built in %.2f s", len(index.entries), time.monotonic() - started)
    if freeze:
        gc.collect()  # what is garbage now is freed, not frozen
        gc.freeze()
