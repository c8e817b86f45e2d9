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

Details of what each accepts are in the functions' docstrings. A lone dash ("-", "－", "―", "—") in a
number cell means "no figure" (None), as many offices write it.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from chizai.exchange.columns import SHAPE_LABELS
from chizai.lib.fiscal import Half, fiscal_year_of
from chizai.lib.numbers import parse_number
from chizai.lib.wareki import ERAS

if TYPE_CHECKING:
    from chizai.organizations.models import Organization

__all__ = [
    "FISCAL_YEAR_RANGE",
    "OrganizationResolver",
    "clean_text",
    "header_key",
    "parse_fiscal_year",
    "parse_period",
    "parse_quantity",
    "parse_shape",
]

FISCAL_YEAR_RANGE = range(1989, 2101)
"""Fiscal years an import accepts: from 平成元年度 to 2100."""

FULL_YEAR = "FY"

_WHITESPACE = re.compile(r"\s+")  # after NFKC, U+3000 has become a plain space; \s also covers it
_SURROUNDING_BRACKETS = re.compile(r"^[\[【(（〔<＜《「『](.*)[\]】)）〕>＞》」』]$")
_EDGE_SPACES = " \t\r\n\u3000\u00a0\ufeff"
_DASHES = frozenset({"-", "－", "―", "—", "‐", "−", "ー", "–"})


def _typed(value: Any) -> str:
    """How a value appears in a message: 「…」 around what the person typed."""
    return f"「{clean_text(value)}」"


def _compact(value: Any) -> str:
    """NFKC and without any whitespace: how spellings are compared."""
    return _WHITESPACE.sub("", unicodedata.normalize("NFKC", clean_text(value)))


def header_key(text: Any) -> str:
    """A heading reduced for matching: NFKC, no whitespace, no surrounding brackets ("【 KPI名 】" -> "KPI名")."""
    key = _compact(text)
    match = _SURROUNDING_BRACKETS.match(key)
    return _compact(match.group(1)) if match else key


def clean_text(value: Any) -> str:
    """The text of a cell as typed, without surrounding half/full-width spaces and newlines; None -> "".

    Numbers become their plain text (5 -> "5", 5.0 -> "5", 12.50 -> "12.5"); dates their ISO form. The
    text inside is kept as typed (no NFKC: a KPI name stays exactly as its office wrote it).
    """
    if type(value) is str:
        return value.strip(_EDGE_SPACES)  # the common case, first (every cell of every row goes through here)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float | Decimal):
        return _plain_number(value)
    if isinstance(value, datetime.datetime) and value.time() == datetime.time(0):
        return value.date().isoformat()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value).strip(_EDGE_SPACES)


def _plain_number(value: float | Decimal) -> str:
    number = Decimal(str(value)) if isinstance(value, float) else value
    if not number.is_finite():
        return str(value)
    if number == number.to_integral_value():
        return str(number.quantize(Decimal(1)))
    return format(number.normalize(), "f")


def parse_quantity(value: Any) -> Decimal | None:
    """A number as typed: "1,234件", "15%", "１２３", "△5", "1,234 件", 12.5, 5; "" / None / a lone dash -> None."""
    if value is None or isinstance(value, bool):
        if value is None:
            return None
        raise ValueError(f"数値として読み取れません: {_typed(value)}")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float | Decimal):
        number = Decimal(str(value)) if isinstance(value, float) else value
        if not number.is_finite():
            raise ValueError(f"数値として読み取れません: {_typed(value)}")
        return number
    text = clean_text(value)
    if not text or text in _DASHES:
        return None
    try:
        return parse_number(_WHITESPACE.sub("", text))
    except ValueError:
        raise ValueError(f"数値として読み取れません: {_typed(value)}") from None


# --- fiscal years -------------------------------------------------------------------------------------

_ERA_BY_SPELLING = {era.name: era for era in ERAS}
_ERA_BY_SPELLING.update({era.name[0]: era for era in ERAS if era.name in ("令和", "平成", "昭和")})
_ERA_BY_SPELLING.update({"R": _ERA_BY_SPELLING["令和"], "H": _ERA_BY_SPELLING["平成"], "S": _ERA_BY_SPELLING["昭和"]})

# Written after NFKC and without spaces; upper-cased so that "r5" and "fy2023" match.
_ERA_YEAR = re.compile(r"(?P<era>令和|平成|昭和|令|平|昭|R|H|S)(?P<year>元|\d{1,2})(?:年度?)?")
_WESTERN_YEAR = re.compile(r"(?:FY)?(?P<year>\d{4})(?:年度?)?")
_DATE = re.compile(
    r"(?P<year>(?:令和|平成|昭和|令|平|昭|R|H|S)(?:元|\d{1,2})|\d{4})[年/.\-](?P<month>\d{1,2})[月/.\-](?P<day>\d{1,2})日?"
)


def parse_fiscal_year(value: Any) -> int:
    """The fiscal year (年度) a cell names.

    Accepts 2023, 2023.0, "2023", "２０２３", "2023年度", "2023年", "FY2023", "令和5年度", "令和元年度", "R5",
    "r5年度", "令5", "H31", "平成31年度", and dates: a date/datetime, "令和5年4月1日", "2023/4/1", "2023-04-01",
    "2023年4月1日" give the fiscal year containing that day. Years outside 1989–2100 are refused.
    """
    if isinstance(value, datetime.date):
        day = value.date() if isinstance(value, datetime.datetime) else value
        return _in_range(fiscal_year_of(day), value)
    if isinstance(value, bool):
        raise ValueError(f"年度として読み取れません: {_typed(value)}")
    if isinstance(value, int | float | Decimal):
        number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
        if not number.is_finite() or number != number.to_integral_value():
            raise ValueError(f"年度として読み取れません: {_typed(value)}")
        return _in_range(int(number), value)
    year = _fiscal_year_of_text(_compact(value).upper(), value)
    return _in_range(year, value)


def _fiscal_year_of_text(text: str, typed: Any) -> int:
    if not text:
        raise ValueError("年度が空欄です")
    if match := _DATE.fullmatch(text):
        return _fiscal_year_of_date(match, typed)
    if match := _WESTERN_YEAR.fullmatch(text):
        return int(match["year"])
    if match := _ERA_YEAR.fullmatch(text):
        return _western_year(match["era"], match["year"], typed)
    raise ValueError(f"年度として読み取れません: {_typed(typed)}")


def _western_year(era_spelling: str, era_year: str, typed: Any) -> int:
    era = _ERA_BY_SPELLING[era_spelling]
    number = 1 if era_year == "元" else int(era_year)
    if number < 1:
        raise ValueError(f"年度として読み取れません: {_typed(typed)}")
    return era.start.year + number - 1


def _fiscal_year_of_date(match: re.Match[str], typed: Any) -> int:
    year_text = match["year"]
    era = _ERA_YEAR.fullmatch(year_text)
    year = _western_year(era["era"], era["year"], typed) if era else int(year_text)
    try:
        day = datetime.date(year, int(match["month"]), int(match["day"]))
    except ValueError:
        raise ValueError(f"日付として正しくありません: {_typed(typed)}") from None
    return fiscal_year_of(day)


def _in_range(year: int, typed: Any) -> int:
    if year not in FISCAL_YEAR_RANGE:
        raise ValueError(
            f"年度が範囲外です: {_typed(typed)}（{FISCAL_YEAR_RANGE.start}〜{FISCAL_YEAR_RANGE.stop - 1}年度）"
        )
    return year


# --- periods ------------------------------------------------------------------------------------------

_HALF_WORDS = {
    "上期": Half.FIRST.value,
    "上半期": Half.FIRST.value,
    "前期": Half.FIRST.value,
    "前半期": Half.FIRST.value,
    "H1": Half.FIRST.value,
    "1H": Half.FIRST.value,
    "下期": Half.SECOND.value,
    "下半期": Half.SECOND.value,
    "後期": Half.SECOND.value,
    "後半期": Half.SECOND.value,
    "H2": Half.SECOND.value,
    "2H": Half.SECOND.value,
    "通期": FULL_YEAR,
    "年度": FULL_YEAR,
    "年間": FULL_YEAR,
    "通年": FULL_YEAR,
    "FY": FULL_YEAR,
    "": FULL_YEAR,
}
_PERIOD = re.compile(
    "(?P<year>.*?)(?P<half>" + "|".join(sorted((re.escape(w) for w in _HALF_WORDS if w), key=len, reverse=True)) + ")"
)


def parse_period(year_value: Any, period_value: Any) -> tuple[int, str]:
    """The (fiscal year, "FY" | "H1" | "H2") of an actuals row from its 年度 and 期 cells.

    The 期 cell may carry the year ("2023上期", "2023年度上期", "令和5年度 下期", "R5上期", "2023H1") or only
    the half ("上期", "上半期", "前期", "下期", "下半期", "後期", "通期", "年度", "年間", or empty for the whole
    year). Without a year in the 期 cell, the year comes from the 年度 cell; when both name a year they must
    agree. Both empty is an error.
    """
    period_text = _compact(period_value).upper()
    year_text = _compact(year_value)
    period_year, half = _split_period(period_text, period_value)
    if period_year is None and not year_text:
        raise ValueError("年度が空欄です（年度の列か、期の列に「2024上期」のように書いてください）")
    year = parse_fiscal_year(year_value) if year_text else None
    if period_year is not None and year is not None and period_year != year:
        raise ValueError(f"年度 {_typed(year_value)} と期 {_typed(period_value)} の年度が一致しません")
    resolved = period_year if period_year is not None else year
    assert resolved is not None
    return resolved, half


def _split_period(text: str, typed: Any) -> tuple[int | None, str]:
    if text in _HALF_WORDS:
        return None, _HALF_WORDS[text]
    match = _PERIOD.fullmatch(text)
    year_part, half = (match["year"], _HALF_WORDS[match["half"]]) if match else (text, FULL_YEAR)
    try:
        return parse_fiscal_year(year_part), half
    except ValueError:
        raise ValueError(f"期として読み取れません: {_typed(typed)}（例: 上期、下期、通期、2024上期）") from None


# --- shapes -------------------------------------------------------------------------------------------

_SHAPE_SPELLINGS: dict[str, tuple[str, ...]] = {
    "per_period": ("毎年度", "年度ごと", "単年度", "各年度", "期間ごとの目標", "期間ごと", "フロー", "単年"),
    "cumulative": ("累計", "期間累計", "計画期間累計", "累積"),
    "stock": ("総数", "ストック", "総数(ストック)", "時点の総数", "累計(総数)", "累計(時点の総数)"),
    "ratio": ("割合", "比率", "率", "割合(しきい値)"),
    "baseline_target": ("基準値→目標値", "基準値から目標値", "基準→目標", "基準値->目標値", "基準値⇒目標値"),
    "qualitative": ("定性", "定性目標", "定性的"),
}


def _build_shapes() -> dict[str, str]:
    from chizai.kpis.models import Shape

    spellings: dict[str, str] = {}
    for shape in Shape:
        for spelling in (shape.value, shape.label, SHAPE_LABELS[shape.value], *_SHAPE_SPELLINGS[shape.value]):
            spellings[_compact(spelling).lower()] = shape.value
    return spellings


_shapes: dict[str, str] = {}


def parse_shape(value: Any) -> str:
    """A chizai.kpis.models.Shape value from 形式 as typed.

    Accepts the labels of SHAPE_LABELS ("毎年度", "累計", "総数（ストック）", "割合", "基準値→目標値", "定性"),
    the variants offices use (フロー, 期間累計, ストック, 比率, 基準→目標, 定性目標…) and the Shape values.
    """
    if not _shapes:
        _shapes.update(_build_shapes())
    key = _compact(value).lower()
    if not key:
        raise ValueError("形式が空欄です（" + " / ".join(SHAPE_LABELS.values()) + " のいずれか）")
    try:
        return _shapes[key]
    except KeyError:
        choices = " / ".join(SHAPE_LABELS.values())
        raise ValueError(f"形式として読み取れません: {_typed(value)}（{choices} のいずれか）") from None


# --- organisations ------------------------------------------------------------------------------------

_PREFECTURE_SUFFIXES = ("都", "府", "県")  # 北海道 is always written whole
_DIGITS = re.compile(r"\d{1,6}")


def _without_suffix(name: str) -> str:
    """ "東京都" -> "東京", "京都府" -> "京都", "北海道" -> "北海道"."""
    return name[:-1] if name.endswith(_PREFECTURE_SUFFIXES) else name


def _local_government_check_digit(five_digits: str) -> int:
    """The check digit of a 全国地方公共団体コード (総務省): weights 6..2, modulus 11."""
    total = sum(int(digit) * weight for digit, weight in zip(five_digits, (6, 5, 4, 3, 2), strict=True))
    return (11 - total % 11) % 10


def _is_prefecture_code_with_check_digit(code: str) -> bool:
    return code[2:5] == "000" and _local_government_check_digit(code[:5]) == int(code[5])


class OrganizationResolver:
    """Finds the organisation a cell names, from organisations loaded once (no query per row).

    A prefecture is found by its full name ("東京都"), its name without 都/道/府/県 ("東京", "大阪", "京都"),
    its short name, its code ("pref-13"), or its JIS code: 13, "13", "013", "１３", "13000" (地方公共団体
    コード) or "130001" (with its check digit). Other organisations by exact name, short name or code.
    Spellings are compared after NFKC and without spaces.
    """

    def __init__(self, organizations: Iterable[Organization]) -> None:
        from chizai.organizations.models import OrganizationKind

        self._by_key: dict[str, list[Organization]] = {}
        self._by_jis: dict[int, Organization] = {}
        self._resolved: dict[str, Organization] = {}
        for organization in organizations:
            keys = {organization.code, organization.name, organization.short_name}
            if organization.kind == OrganizationKind.PREFECTURE:
                keys.add(_without_suffix(organization.name))
                if organization.jis_code.isdigit():
                    self._by_jis[int(organization.jis_code)] = organization
            for key in keys:
                if compact := _compact(key):
                    self._add(compact, organization)

    def _add(self, key: str, organization: Organization) -> None:
        found = self._by_key.setdefault(key, [])
        if organization not in found:
            found.append(organization)

    def resolve(self, value: Any) -> Organization:
        if type(value) is str:  # the same few spellings on every row of a file: each resolved once
            found = self._resolved.get(value)
            if found is None:
                found = self._resolved[value] = self._resolve(value)
            return found
        return self._resolve(value)

    def _resolve(self, value: Any) -> Organization:
        if isinstance(value, bool):
            raise ValueError(f"都道府県・関係主体として読み取れません: {_typed(value)}")
        if isinstance(value, int | float | Decimal):
            return self._by_number(clean_text(value), value)
        key = _compact(value)
        if not key:
            raise ValueError("都道府県・関係主体が空欄です")
        if _DIGITS.fullmatch(key):
            return self._by_number(key, value)
        found = self._by_key.get(key)
        if not found:
            raise ValueError(f"都道府県・関係主体が見つかりません: {_typed(value)}")
        if len(found) > 1:
            names = "、".join(o.name for o in found)
            raise ValueError(f"都道府県・関係主体を1つに決められません: {_typed(value)}（{names}）")
        return found[0]

    def _by_number(self, digits: str, typed: Any) -> Organization:
        if not _DIGITS.fullmatch(digits):
            raise ValueError(f"都道府県コードとして読み取れません: {_typed(typed)}")
        number = self._jis_number(digits, typed)
        try:
            return self._by_jis[number]
        except KeyError:
            raise ValueError(f"都道府県コードが見つかりません: {_typed(typed)}（01〜47）") from None

    @staticmethod
    def _jis_number(digits: str, typed: Any) -> int:
        if len(digits) <= 3:
            return int(digits)
        code = digits if len(digits) == 6 else digits.zfill(5)
        if len(digits) == 5 and _is_prefecture_code_with_check_digit(digits.zfill(6)):
            # "010006" typed into a number cell loses its leading zero and arrives as 10006
            code = digits.zfill(6)
        if len(code) == 6:
            if _local_government_check_digit(code[:5]) != int(code[5]):
                raise ValueError(f"地方公共団体コードの検査数字が正しくありません: {_typed(typed)}")
            code = code[:5]
        if not code.endswith("000"):
            raise ValueError(f"都道府県のコードではありません（市区町村のコードです）: {_typed(typed)}")
        return int(code[:2])
