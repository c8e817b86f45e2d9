"""Query parameters read exactly as the schema states them: unknown names, empty values and numbers that are
not plain ASCII integers are refused with a 400, never silently replaced by a default."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from rest_framework import serializers
from rest_framework.request import Request

UNKNOWN_PARAMETER = "この問い合わせパラメーターは使えません。"
INTEGER_PATTERN = re.compile(r"-?[0-9]{1,20}")


class QueryInteger(serializers.IntegerField):
    """An integer as the schema's `type: integer` means it: ASCII digits only (not "1.0", "１", " 1" or "null")."""

    def to_internal_value(self, data: Any) -> int:
        if not isinstance(data, str) or not INTEGER_PATTERN.fullmatch(data):
            self.fail("invalid")
        value: int = super().to_internal_value(data)
        return value


def unknown_parameters(request: Request, allowed: Iterable[str]) -> None:
    """Refuse every query parameter the operation does not document."""
    unknown = sorted(set(request.query_params) - set(allowed))
    if unknown:
        raise serializers.ValidationError({name: [UNKNOWN_PARAMETER] for name in unknown})


def read_query(request: Request, serializer_class: type[serializers.Serializer[Any]]) -> dict[str, Any]:
    """The documented parameters of `serializer_class`, validated; a parameter given twice is refused."""
    names: list[str] = list(serializer_class().fields)
    repeated = sorted(name for name in names if len(request.query_params.getlist(name)) > 1)
    if repeated:
        raise serializers.ValidationError({name: ["このパラメーターは一度だけ指定してください。"] for name in repeated})
    query = serializer_class(data={name: request.query_params[name] for name in request.query_params})
    query.is_valid(raise_exception=True)
    return dict(query.validated_data)


class StrictQuery:
    """Refuse undocumented query parameters: a list's GET takes its filters (and limit/offset when paginated);
    every other operation takes none."""

    query_serializer: type[serializers.Serializer[Any]] | None = None
    paginated = False

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        method = (request.method or "").lower()
        if method not in getattr(self, "http_method_names", ()) or not hasattr(self, method):
            return  # answered with 405 Method Not Allowed, whatever the query
        allowed: set[str] = set()
        if request.method in ("GET", "HEAD"):
            if self.query_serializer is not None:
                allowed |= set(self.query_serializer().fields)
            if self.paginated:
                allowed |= {"limit", "offset"}
        unknown_parameters(request, allowed)
