"""The liaison meeting's materials (as of the meeting) and the hands-on support documents (case summary,
model-case sheet), built from the same functions as their pages."""

from __future__ import annotations

import datetime

from chizai.cases.access import FULL, case_access
from chizai.cases.model_cases import category_labels
from chizai.cases.models import ModelCase, SupportCase
from chizai.lib.numbers import format_percent
from chizai.lib.wareki import wareki_date
from chizai.meetings.agenda import AgendaRecord, build_agenda, record_from_json, record_of
from chizai.meetings.models import LiaisonMeeting
from chizai.organizations.types import AnyUser
from chizai.reports.builders import DASH, document_for, rate_bars
from chizai.reports.document import Document, Heading, Paragraph, Table


def meeting_record(meeting: LiaisonMeeting, today: datetime.date) -> AgendaRecord:
    """The agenda as the meeting page shows it: the one kept from the meeting's date once its minutes are
    recorded, else the data of today (chizai.meetings.views does the same)."""
    snapshot = getattr(meeting, "agenda_snapshot", None)
    if snapshot is not None:
        return record_from_json(snapshot.content)
    return record_of(build_agenda(meeting, today))


def meeting_document(meeting: LiaisonMeeting, today: datetime.date) -> Document:
    """The materials of a regional liaison meeting: (a) regional KPI status, (b) revisions to report,
    (c) advanced practices, (d) improvement measures."""
    record = meeting_record(meeting, today)
    block = meeting.bureau.block_name
    document = document_for(
        "meeting",
        f"{meeting.title} 資料",
        f"{block}ブロック（主催: {meeting.bureau.display_name}）・{meeting.get_kind_display()}・"
        f"開催日 {wareki_date(meeting.held_on)}・{meeting.plan.name}",
        today,
        as_of=record.as_of,
    )
    document.add(Heading("1. 地域KPIの達成状況", 2))
    for year in record.kpi_status:
        rows = [
            [
                org.name,
                str(t.total),
                str(t.met),
                str(t.not_achieved),
                str(t.in_progress),
                format_percent(t.rate, 1) if t.rate is not None else DASH,
            ]
            for org, t in [*year.prefectures]
        ]
        b = year.block
        rows.append(
            [
                f"{block}ブロック計",
                str(b.total),
                str(b.met),
                str(b.not_achieved),
                str(b.in_progress),
                format_percent(b.rate, 1) if b.rate is not None else DASH,
            ]
        )
        document.add(
            Table(
                f"{year.fiscal_year}年度 地域KPIの達成状況（都道府県別）",
                ["都道府県", "項目数", "達成", "未達", "進行中", "達成率"],
                rows,
                [30, 14, 14, 14, 14, 14],
                frozenset({1, 2, 3, 4, 5}),
            )
        )
        measured = [(org.name, t.rate) for org, t in year.prefectures if t.total]
        if measured:
            document.add(
                rate_bars(
                    f"図 {year.fiscal_year}年度 地域KPIの達成率（都道府県別）",
                    [name for name, _ in measured],
                    [rate for _, rate in measured],
                )
            )
    document.add(Heading("2. 地域KPIの見直しの報告", 2))
    document.add(
        Table(
            "報告する地域KPIの見直し",
            ["都道府県", "KPI", "適用年度", "見直し後の名称", "産業振興ビジョンの変更"],
            [
                [r.owner.name, r.kpi_name, f"{r.effective_year}年度", r.new_name or DASH, r.vision_change or DASH]
                for r in record.pending_revisions
            ],
            [14, 24, 12, 22, 28],
        )
    )
    document.add(Heading("3. 先進的な取組の共有", 2))
    for practice in record.advanced_practices:
        document.add(Paragraph(f"【{practice.organization.name}・{practice.period_label}】{practice.text}"))
    if not record.advanced_practices:
        document.add(Paragraph("（共有された先進的な取組はありません）", note=True))
    document.add(Heading("4. 今後の取組・改善策", 2))
    document.add(
        Table(
            "都道府県の最新の自己評価から",
            ["都道府県", "半期", "状態", "今後の取組・改善策"],
            [
                [i.prefecture.name, i.period_label or DASH, i.status_label or "未提出", i.text or DASH]
                for i in record.improvements
            ],
            [14, 16, 14, 56],
        )
    )
    return document


def _yes_no(value: bool | None) -> str:
    return DASH if value is None else ("はい" if value else "いいえ")


def case_document(case: SupportCase, user: AnyUser, today: datetime.date) -> Document:
    """A hands-on support case's summary; the records (hearing, issues, actions, outcomes) only for those who
    see the case in full, as on its page."""
    full = case_access(user, case) == FULL
    document = document_for(
        "case",
        f"ハンズオン支援 案件概要：{case.company.name}",
        f"{case.fiscal_year}年度開始・{case.get_stage_display()}",
        today,
    )
    facts = [
        ["企業", case.company.name],
        ["支援開始年度", f"{case.fiscal_year}年度"],
        ["きっかけ", case.get_origin_display()],
        ["紹介元", case.referred_by.display_name if case.referred_by else DASH],
        ["段階", case.get_stage_display()],
        ["受付日", wareki_date(case.opened_on)],
        ["終了日", wareki_date(case.closed_on) if case.closed_on else DASH],
    ]
    document.add(Table("案件の概要", ["項目", "内容"], facts, [25, 75]))
    if not full:
        document.add(Paragraph("紹介元には案件の進み具合だけを示します（記録は支援チームと特許庁のみ）。", note=True))
        return document
    issues = [[issue.get_category_display(), issue.description] for issue in case.issues.all()]
    document.add(Heading("課題", 2), Table("抽出した課題", ["分類", "内容"], issues, [20, 80]))
    for label, text in (
        ("ヒアリング記録", case.hearing_notes),
        ("合意したアクション", case.actions_agreed),
        ("フォローアップ結果", case.follow_up_results),
    ):
        document.add(Heading(label, 2), Paragraph(text or "（記録なし）"))
    outcomes = [
        ["知財を経営戦略に位置づけた", _yes_no(case.outcome_ip_in_strategy)],
        ["知財の取組を実行に移した", _yes_no(case.outcome_acted_on)],
        ["事業成長（利益率向上・海外展開等）", _yes_no(case.outcome_business_growth)],
        ["特許等の取得・活用", _yes_no(case.outcome_ip_acquired_or_used)],
    ]
    document.add(Heading("成果", 2), Table("支援の成果（図4の問い）", ["問い", "回答"], outcomes, [70, 30]))
    return document


def model_case_document(model_case: ModelCase, today: datetime.date) -> Document:
    """The model-case sheet (モデル的な事例) with the texts meant for publication only: no company name."""
    document = document_for(
        "model_case", f"モデル的な事例：{model_case.title}", f"{model_case.get_status_display()}", today
    )
    facts = [
        ["業種", model_case.industry],
        ["地域", model_case.region.display_name if model_case.region else DASH],
        ["課題の分類", "・".join(category_labels(model_case.issue_categories)) or DASH],
        ["支援開始年度", f"{model_case.case.fiscal_year}年度"],
    ]
    document.add(
        Table("事例の概要", ["項目", "内容"], facts, [25, 75]), Heading("概要", 2), Paragraph(model_case.summary)
    )
    return document
