"""Self-evaluation and compilation exports carry the content an official needs (ratings, reasons, texts and
figures), not only the status; text a spreadsheet would run as a formula stays neutralised."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
from django.test import Client
from django.urls import reverse

from chizai.pdca.tests import fixtures_content as content

plan, period, world = content.plan, content.period, content.world  # the fixtures this module uses


def _sheets(client: Client, url: str) -> dict[str, list[list[Any]]]:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    body = b"".join(response.streaming_content) if response.streaming else response.content
    book = openpyxl.load_workbook(io.BytesIO(body))
    return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets}


def _records(rows: list[list[Any]]) -> list[dict[str, Any]]:
    header = next(i for i, row in enumerate(rows) if row and row[0] in ("区分", "関係主体"))
    return [dict(zip(rows[header], row, strict=False)) for row in rows[header + 1 :] if any(row)]


def test_the_evaluation_export_carries_texts_ratings_reasons_and_figures(world, tokyo_viewer):
    client = Client()
    client.force_login(tokyo_viewer)
    half = world["tokyo"].period
    url = reverse("exchange:export_evaluations", args=["xlsx"]) + f"?plan={half.plan.number}&period={half.pk}"

    sheets = _sheets(client, url)

    evaluations = _records(sheets["自己評価"])
    tokyo = next(r for r in evaluations if r["関係主体"] == "東京都" and r["半期"] == half.label)
    assert tokyo["取組状況"] == "東京都の取組：窓口と合同で重点業種の企業を訪問した。"
    assert tokyo["課題"] == "フォローアップの担い手が不足。"
    ratings = _records(sheets["KPIの自己評価"])
    assert ratings == [
        ratings[0]
        | {
            "関係主体": "東京都",
            "KPI・効果指標": "東京都の知財セミナー参加企業数",
            "目標": 1000,
            "実績": 1234,
            "達成率（%）": 123,
            "目安": "A",
            "自己評価": "B",
            "目安と異なる評価の理由": content.REASON,
        }
    ]


def test_the_compilation_export_carries_each_bodys_texts_and_ratings(world, kanto_reviewer):
    world["tokyo"].improvements = '=HYPERLINK("http://example.com")'
    world["tokyo"].save()
    client = Client()
    client.force_login(kanto_reviewer)

    sheets = _sheets(client, reverse("exchange:export_compilation", args=[world["tokyo"].period_id, "xlsx"]))

    bodies = {r["関係主体"]: r for r in _records(sheets["取りまとめ"])}
    assert bodies["東京都"]["取組状況"] == "東京都の取組：窓口と合同で重点業種の企業を訪問した。"
    assert bodies["東京都"]["地域KPI（区分の合計）"] == "2件の項目のうち 1件達成（50.0%）"
    assert bodies["東京都"]["今後の取組・改善策"].startswith("'=")
    assert "大阪府" not in bodies
    assert [r["自己評価"] for r in _records(sheets["KPIの自己評価"]) if r["関係主体"] == "東京都"] == ["B"]


def test_a_prefecture_cannot_export_a_compilation(world, tokyo_editor):
    client = Client()
    client.force_login(tokyo_editor)

    url = reverse("exchange:export_compilation", args=[world["tokyo"].period_id, "xlsx"])
    assert client.get(url).status_code == 403
