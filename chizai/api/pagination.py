"""Pages of API lists: ?limit=&offset=, bounded and validated as the schema states (never silently defaulted)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request

from chizai.api.query import QueryInteger, read_query

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
# An offset past this is past every row; bigger numbers overflow SQLite's and PostgreSQL's integers.
MAX_OFFSET = 2**62


class PageQuerySerializer(serializers.Serializer[Any]):
    limit = QueryInteger(min_value=1, max_value=MAX_LIMIT, required=False)
    offset = QueryInteger(min_value=0, max_value=MAX_OFFSET, required=False)


class Pagination(LimitOffsetPagination):
    default_limit = DEFAULT_LIMIT
    max_limit = MAX_LIMIT

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list[Any] | None:
        page = read_query(request, PageQuerySerializer)
        self._page = page
        return super().paginate_queryset(queryset, request, view)

    def get_limit(self, request: Request) -> int:
        limit: int = getattr(self, "_page", {}).get("limit", DEFAULT_LIMIT)
        return limit

    def get_offset(self, request: Request) -> int:
        offset: int = getattr(self, "_page", {}).get("offset", 0)
        return offset

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": "limit",
                "required": False,
                "in": "query",
                "description": f"1ページの件数（1～{MAX_LIMIT}、省略時は{DEFAULT_LIMIT}）。",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
            },
            {
                "name": "offset",
                "required": False,
                "in": "query",
                "description": "何件目から返すか（0から数えます。省略時は0）。",
                "schema": {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET},
            },
        ]
