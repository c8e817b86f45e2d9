"""Log records with the request id (the one the audit entries share) and the user id, as text or JSON lines."""

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime

from django.http import HttpRequest

from chizai.audit.context import current_request_id

current_request: ContextVar[HttpRequest | None] = ContextVar("current_request", default=None)


def _user_id() -> str:
    # Only a user the request has already loaded: logging never queries (the database may be what failed).
    user = getattr(current_request.get(), "_cached_user", None)
    if user is None or not user.is_authenticated:
        return ""
    return str(user.pk)


class RequestContextFilter(logging.Filter):
    """Adds `request_id` and `user_id` ("" outside a request) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get()
        record.user_id = _user_id()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log collectors; tracebacks stay inside the line."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", ""),
            "user_id": getattr(record, "user_id", ""),
        }
        if status_code := getattr(record, "status_code", None):
            entry["status_code"] = status_code
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)
