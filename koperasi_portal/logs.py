"""Structured logs: with LOG_FORMAT=json every line is one JSON object (time, level, logger, message and the
fields a log call passes in `extra`), ready for a log collector. The request log writes one line per request."""

import json
import logging
import time
import uuid

from django.conf import settings

STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record):
        entry = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"), "level": record.levelname,
                 "logger": record.name, "message": record.getMessage()}
        entry.update({key: value for key, value in vars(record).items() if key not in STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


logger = logging.getLogger("koperasi.request")


class RequestLogMiddleware:
    """One line per request: method, path, status, duration, user and the request id (from the proxy's
    X-Request-ID, else a new one), which is also sent back so that a user's report can be found in the logs."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.enabled = settings.LOG_REQUESTS

    def __call__(self, request):
        if not self.enabled:
            return self.get_response(request)
        request_id = request.headers.get("X-Request-ID", "")[:64] or uuid.uuid4().hex
        started = time.perf_counter()
        response = self.get_response(request)
        user = getattr(request, "user", None)
        logger.info("%s %s %s", request.method, request.path, response.status_code, extra={
            "request_id": request_id, "method": request.method, "path": request.path,
            "status": response.status_code, "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            "user_id": user.pk if user is not None and user.is_authenticated else None,
        })
        response["X-Request-ID"] = request_id
        return response
