"""Documents of the surveys: the analysis fed back to a block or a prefecture (地域へのフィードバック資料)."""

from __future__ import annotations

import datetime

from chizai.organizations.models import Organization
from chizai.reports.builders import document_for
from chizai.reports.document import Document, Heading, Paragraph, Table
from chizai.surveys.analysis import regional_analysis

DASH = "—"


def _counts(caption: str, head: str, rows: list, widths: list[int] | None = None) -> Table:  # type: ignore[type-arg]
    body = [[c.label, f"{c.count:,}", f"{c.percent}%"] for c in rows]
    return Table(caption, [head, "件数", "割合"], body, widths or [60, 20, 20], numeric=frozenset({1, 2}))


def regional_analysis_document(region: Organization, today: datetime.date) -> Document:
    """The region's page as a document: aggregates only, and its published model cases."""
    report = regional_analysis(region, today=today)
    name = f"{region.display_name}{'ブロック' if report.is_block else ''}"
    document = document_for("regional_analysis", f"{name}の支援の分析", "地域へのフィードバック資料", today)
    document.add(
        Paragraph(f"{name}の企業への支援 {report.cases:,}件の集計です（企業の所在地で数え、企業名は載せません）。"),
        Heading("支援のきっかけ"),
        _counts("支援のきっかけ", "きっかけ", report.by_origin),
        Heading("支援企業が必要としたこと"),
        _counts("経営課題（図2の分類）", "課題", report.management_issues),
        _counts("知財の課題", "課題", report.ip_issues),
        Heading("各段階にかかった日数"),
        Table(
            "各段階にかかった日数（次の段階に進んだ案件）",
            ["段階", "件数", "中央値（日）", "平均（日）"],
            [[s.label, f"{s.cases:,}", _days(s.median_days), _days(s.mean_days)] for s in report.stage_times],
            [46, 18, 18, 18],
            numeric=frozenset({1, 2, 3}),
        ),
        Heading("行った支援"),
        _counts("専門家派遣・加速的支援", "支援", report.supports),
        Heading("成果"),
        Table(
            "支援の成果（案件の記録、図4の問い）",
            ["成果", "はい", "記録あり", "割合"],
            [[label, f"{yes:,}", f"{known:,}", f"{percent}%"] for label, yes, known, percent in report.outcomes],
            [55, 15, 15, 15],
            numeric=frozenset({1, 2, 3}),
        ),
        Table(
            f"フォローアップ調査（回答 {report.survey_answers:,}件）",
            ["設問", "はい", "回答", "割合"],
            [[t, f"{y:,}", f"{n:,}", f"{p}%"] for t, y, n, p in report.survey_outcomes]
            or [["回答なし", DASH, DASH, DASH]],
            [55, 15, 15, 15],
            numeric=frozenset({1, 2, 3}),
        ),
        Heading("地域のモデル事例（公開中）"),
    )
    for model_case in report.model_cases:
        document.add(
            Heading(model_case.title, 3),
            Paragraph(f"{model_case.region.display_name}・{model_case.industry}", note=True),
            Paragraph(model_case.summary),
        )
    if not report.model_cases:
        document.add(Paragraph("公開中のモデル事例はまだありません。"))
    return document


def _days(value: float | None) -> str:
    return DASH if value is None else f"{value:,.1f}"
