"""The columns of the two sheets people exchange: the regional KPI register and the actuals sheet.

One list serves the importer (which header means what, with the spellings people really use), the
downloadable templates and the exports, so an export always re-imports.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the heading written in templates and exports
    aliases: tuple[str, ...] = ()  # other headings accepted on import (compared after NFKC and without spaces)
    required: bool = False
    help: str = ""  # shown in the template's 記入方法 sheet


# Register (KPI一覧): one row per regional KPI.
REGISTER_SHEET = "KPI一覧"
REGISTER_COLUMNS: tuple[Column, ...] = (
    Column(
        "organization",
        "都道府県",
        ("自治体", "自治体名", "都道府県名", "関係主体", "組織", "団体名"),
        True,
        "都道府県名（「東京」「東京都」どちらでも可）または都道府県コード（13、013、13000 など）",
    ),
    Column(
        "code", "KPIコード", ("コード",), False, "出力したファイルにのみ入っています。新規のKPIは空欄にしてください。"
    ),
    Column("name", "KPI名", ("KPI", "指標", "指標名", "KPI項目"), True, "KPIの名称"),
    Column("unit", "単位", (), True, "件、社、%など"),
    Column(
        "shape",
        "形式",
        ("型", "目標の形式"),
        True,
        "毎年度 / 累計 / 総数（ストック） / 割合 / 基準値→目標値 / 定性 のいずれか",
    ),
    Column(
        "baseline_year", "基準年度", ("基準年",), False, "2022、令和4年度、R4 など（基準値→目標値の形式で使います）"
    ),
    Column("baseline_value", "基準値", (), False, "基準年度の値"),
    Column("target_year", "目標年度", ("目標年",), False, "目標値の年度（年度ごとの目標列を使う場合は空欄）"),
    Column("target_value", "目標値", ("目標",), False, "目標年度の目標値（定性の形式では目標の文章）"),
    Column(
        "vision",
        "産業振興ビジョン",
        ("ビジョン", "関連する産業振興ビジョン", "目標の出典"),
        False,
        "このKPIの根拠となる産業振興ビジョン等の名称",
    ),
)
# Besides these, a register may carry one target column per year: "2023年度目標", "令和5年度目標", "R5目標".
YEAR_TARGET_SUFFIX = "目標"

# Actuals (実績): one row per KPI and period.
ACTUALS_SHEET = "実績"
ACTUALS_COLUMNS: tuple[Column, ...] = (
    Column("organization", "都道府県", REGISTER_COLUMNS[0].aliases, True, REGISTER_COLUMNS[0].help),
    Column("code", "KPIコード", ("コード",), False, "出力したファイルにのみ入っています。空欄ならKPI名で探します。"),
    Column("name", "KPI名", REGISTER_COLUMNS[2].aliases, True, "登録済みのKPIの名称"),
    Column("year", "年度", ("年", "対象年度"), False, "2024、2024年度、令和6年度、R6、令和6年4月1日 など"),
    Column(
        "period",
        "期",
        ("期間", "半期", "対象期間"),
        False,
        "通期 / 上期 / 下期、または 2024上期 のように年度と合わせて（年度欄を空欄にできます）",
    ),
    Column("value", "実績", ("実績値", "値"), False, "1,234件、15%、１２３ なども可"),
    Column("numerator", "該当数", ("分子",), False, "割合のKPIで、該当数と対象数から割合を計算する場合"),
    Column("denominator", "対象数", ("分母",), False, "割合のKPIで、該当数と対象数から割合を計算する場合"),
    Column("comment", "評価コメント", ("評価", "コメント", "所見"), False, "数値で表せない成果・課題など"),
)

SHAPE_LABELS = {
    # canonical label written in templates and exports, per Shape value
    "per_period": "毎年度",
    "cumulative": "累計",
    "stock": "総数（ストック）",
    "ratio": "割合",
    "baseline_target": "基準値→目標値",
    "qualitative": "定性",
}

# A qualitative KPI has no number to aim at: its register 目標値 is kept as a line of Kpi.description,
# written by the importer and read back by the exports (so a round trip keeps it).
QUALITATIVE_AIM_LABEL = "目標（定性）"


def qualitative_aim(description: str) -> str:
    """The qualitative aim kept in a KPI's description, or "" if it has none."""
    prefix = f"{QUALITATIVE_AIM_LABEL}: "
    for line in description.splitlines():
        if line.startswith(prefix):
            return line.removeprefix(prefix)
    return ""


def with_qualitative_aim(description: str, aim: str) -> str:
    """The description with its qualitative aim line replaced (or added at the end)."""
    lines = [line for line in description.splitlines() if not line.startswith(QUALITATIVE_AIM_LABEL)]
    line = f"{QUALITATIVE_AIM_LABEL}: {aim}"
    return "\n".join([*lines, line]) if any(lines) else line
