"""Cursor pagination for the read API: a stable order (`updated_at`, then `id`; or `id` alone) and an opaque
cursor naming the last row read, so that a page costs the same at row 10 and at row 80,000 (no OFFSET), and rows
added while a client pages are not skipped."""

import base64
import json
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime

PAGE_SIZE_MAX = 100
PAGE_SIZE_DEFAULT = 50


class BadCursor(ValueError):
    pass


def _encode(values: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode(cursor: str) -> list:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError) as error:
        raise BadCursor from error
    if not isinstance(values, list) or not values or not isinstance(values[-1], int):
        raise BadCursor
    return values


def page(queryset: QuerySet, *, cursor: str | None, limit: int, by_update: bool) -> tuple[list, str | None]:
    """One page of `queryset` after `cursor` and the cursor of the next page (None on the last). `by_update`
    orders by (`updated_at`, `id`), the order of incremental pulls; otherwise by `id`."""
    limit = max(1, min(limit, PAGE_SIZE_MAX))
    order = ["updated_at", "id"] if by_update else ["id"]
    queryset = queryset.order_by(*order)
    if cursor:
        values = _decode(cursor)
        if by_update:
            if len(values) != 2 or not isinstance(values[0], str) or parse_datetime(values[0]) is None:
                raise BadCursor
            after = parse_datetime(values[0])
            queryset = queryset.filter(Q(updated_at__gt=after) | Q(updated_at=after, id__gt=values[1]))
        else:
            queryset = queryset.filter(id__gt=values[0])
    rows = list(queryset[: limit + 1])
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    key = [last.updated_at.isoformat(), last.pk] if by_update else [last.pk]
    return rows, _encode(key)


def since(queryset: QuerySet, updated_since: datetime | None) -> QuerySet:
    """The rows changed at or after `updated_since` (every row without it)."""
    return queryset if updated_since is None else queryset.filter(updated_at__gte=updated_since)
