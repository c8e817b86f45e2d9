"""Pages of API lists: ?limit=&offset=, bounded so that no value reaches the database as an overflow."""

from __future__ import annotations

from typing import Any

from rest_framework.pagination import LimitOffsetPagination

# An offset past this is past every row; bigger numbers overflow SQLite's and PostgreSQL's integers.
MAX_OFFSET = 2**62


class Pagination(LimitOffsetPagination):
    default_limit = 100
    max_limit = 1000

    def get_offset(self, request: Any) -> int:
        return min(super().get_offset(request), MAX_OFFSET)
