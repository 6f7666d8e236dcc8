"""Which regencies something was written in: a counter per regency (and one for the whole country) in the default
cache, moved on by every successful write a person makes (`koperasi_portal.middleware.ActivityMiddleware`).

A page kept for a person (their home) puts the counters of its regencies in its key, so that anything written in
those regencies, by anyone, makes it computed again on the next request; what the jobs change is seen once the kept
copy expires (FIGURES_MAX_AGE, as old as the figures themselves may be)."""

from django.core.cache import cache

ALL = "all"


def _key(regency) -> str:
    return f"activity:{regency}"


def activity_generation(regency_ids) -> str:
    """The counters of these regencies and the country's, as one text for a cache key (one cache read)."""
    keys = [_key(ALL), *(_key(pk) for pk in sorted(regency_ids))]
    held = cache.get_many(keys)
    return ".".join(str(held.get(key, 0)) for key in keys)


def activity_recorded(regency_ids=None) -> None:
    """Something was written in these regencies (None: anywhere, e.g. by a superuser)."""
    for key in [_key(ALL)] if regency_ids is None else [_key(pk) for pk in regency_ids]:
        try:
            cache.incr(key)
        except ValueError:
            cache.add(key, 1, timeout=None)
