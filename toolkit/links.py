"""Links to many objects of one page kind, for the rows of a list: one `reverse` for all of them."""

from collections.abc import Callable

from django.urls import reverse

_MARKER = 987654321  # stands for the varying last argument while the pattern is reversed once


def url_for_each(name: str, *args) -> Callable[[object], str]:
    """The URL of `name` for any value of its last argument (the others are `args`), e.g.
    `url_for_each("cooperatives:cooperative_detail")(pk)`."""
    prefix, _found, suffix = reverse(name, args=[*args, _MARKER]).partition(str(_MARKER))
    return lambda value: f"{prefix}{value}{suffix}"
