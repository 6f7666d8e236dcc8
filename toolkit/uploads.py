"""How large a request body a view accepts. The limit is checked by `RequestBodyLimitMiddleware` against the
declared length before anything reads the body, so a 50 MB upload to a 2 MB import is refused at once."""

from django.conf import settings


def accepts_upload(max_bytes: int):
    """Mark a view as accepting request bodies up to `max_bytes` (the default is `REQUEST_MAX_BYTES`)."""

    def mark(view):
        view.max_body_bytes = max_bytes
        return view

    return mark


def body_limit(view) -> int:
    return getattr(view, "max_body_bytes", settings.REQUEST_MAX_BYTES)
