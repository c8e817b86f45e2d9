"""API errors in Japanese, in one shape: {"detail": "<日本語>", "errors": {field: [messages]}}.

DRF's own messages come out in Japanese (LANGUAGE_CODE "ja"); this handler adds what DRF leaves to a 500:
Django's ValidationError (raised by the actions and model validation) becomes a 400, and a concurrent edit
(ConflictError) a 409 with the same message the pages show.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from chizai.kpis.actions import ConflictError

INVALID_INPUT = "入力内容に誤りがあります。"
NON_FIELD = "non_field_errors"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "他の利用者が先に更新しました。"
    default_code = "conflict"


def from_django(error: DjangoValidationError) -> exceptions.ValidationError:
    """A Django ValidationError (a message, a list or a field → messages dict) as DRF's."""
    if hasattr(error, "error_dict"):
        return exceptions.ValidationError(
            {NON_FIELD if field == "__all__" else field: messages for field, messages in error.message_dict.items()}
        )
    return exceptions.ValidationError({NON_FIELD: error.messages})


def _flatten(detail: Any) -> list[str]:
    if isinstance(detail, dict):
        return [message for value in detail.values() for message in _flatten(value)]
    if isinstance(detail, list):
        return [message for value in detail for message in _flatten(value)]
    return [str(detail)]


def _body(detail: Any) -> dict[str, Any]:
    if isinstance(detail, dict) and set(detail) == {"detail"}:
        return {"detail": str(detail["detail"]), "errors": {}}
    errors = detail if isinstance(detail, dict) else {NON_FIELD: detail}
    messages = _flatten(errors)
    # One message is shown as it is; several are summarised and listed per field.
    summary = messages[0] if len(messages) == 1 else INVALID_INPUT
    return {"detail": summary, "errors": errors}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = from_django(exc)
    elif isinstance(exc, ConflictError):
        exc = Conflict(exc.message)
    elif isinstance(exc, exceptions.ParseError):
        # DRF's parse errors quote the JSON parser in English.
        exc = exceptions.ParseError("JSONの形式が正しくありません。本文を JSON で送ってください。")
    response = drf_exception_handler(exc, context)
    if response is not None:
        response.data = _body(response.data)
    return response
