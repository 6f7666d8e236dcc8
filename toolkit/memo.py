"""Values a process keeps, and one call that forgets all of them.

A page is within budget when it is *computed*: what it costs the first time, with nothing kept. The benchmark and
the query-count tests call `forget_everything()` before each request they measure, so a per-process memo must be
declared here (`process_memo`) to be forgotten with Django's caches.
"""

import functools

from django.core.cache import caches

_MEMOS = []


def process_memo(function):
    """`functools.cache` that `forget_everything()` empties."""
    kept = functools.cache(function)
    _MEMOS.append(kept)
    return kept


def forget_everything() -> None:
    """Empty every Django cache (each alias of CACHES) and every process memo."""
    for cache in caches.all():
        cache.clear()
    for kept in _MEMOS:
        kept.cache_clear()
