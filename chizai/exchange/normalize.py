"""Reading cell values as Japanese offices type them: numbers, 和暦 years and periods, prefectures, shapes.

INTERFACE (implemented by the readers work; the importers code against it). Every parse_* raises
ValueError with a Japanese message naming what was typed, e.g. "年度として読み取れません: 「令和x年」".

    header_key(text) -> str                  # NFKC, no whitespace at all: for matching headings
    clean_text(value) -> str                 # str of a cell, stripped of half/full-width spaces; None -> ""
    parse_quantity(value) -> Decimal | None  # "" / None -> None; 1,234件 / 15% / １２３ / △5 / 12.5 / int / float
    parse_fiscal_year(value) -> int          # 2023 / "2023年度" / "令和5年度" / "R5" / "令5" / "H31" / date -> its 年度
    parse_period(year_value, period_value) -> tuple[int, str]   # (fiscal year, "FY" | "H1" | "H2")
    parse_shape(value) -> str                # a chizai.kpis.models.Shape value
    OrganizationResolver(organizations).resolve(value) -> Organization
"""

from __future__ import annotations
