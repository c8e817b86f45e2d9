"""`chizai load_demo`: load synthetic demo data (架空のデモデータ) for the 3rd plan (idempotent)."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from chizai.kpis.demo import DISCLAIMER, SUPERUSER, DemoError, cast_rows, load_demo
from chizai.lib.numbers import format_percent
from chizai.organizations.demo_users import CAST_PASSWORD


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def format_table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> list[str]:
    """A plain-text table whose columns line up with full-width (Japanese) characters."""
    widths = [max(_width(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip() for row in [header, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return lines


class Command(BaseCommand):
    help = (
        "第3次計画の架空のデモデータ（地域KPI・実績・評価、デモ用ユーザー）を読み込みます。"
        "再度実行しても変化はありません。先に load_plan で第3次計画を読み込んでください。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help=f"既存のデモ用ユーザーのパスワードも「{CAST_PASSWORD}」に再設定します。",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = load_demo(reset_passwords=options["reset_passwords"])
        except (DemoError, ValidationError) as error:
            messages = error.messages if isinstance(error, ValidationError) else [str(error)]
            raise CommandError(
                "デモデータを読み込めませんでした。何も書き込んでいません。\n" + "\n".join(messages)
            ) from error

        out = self.stdout.write
        out(f"{summary.plan.name}: 架空のデモデータを読み込みました。")
        out(
            f"  地域KPI {summary.regional_kpis}件（{summary.prefectures}都道府県・{summary.blocks}ブロック）"
            f"、中央KPIの実績・評価"
        )
        out(
            f"  追加 {summary.created}件、更新 {summary.updated}件"
            + (f"、利用者が入力済みのため変更しなかった実績 {summary.skipped}件" if summary.skipped else "")
            + ("" if summary.changed else "（変更なし）")
        )
        rates = "、".join(
            f"{year}年度 {m.met}/{m.total}項目（{format_percent(m.rate, 1)}）" for year, m in summary.items_met.items()
        )
        out(f"  地域KPIの達成項目数（デモ）: {rates}")
        out(f"  {summary.cases.line()}")
        out(f"  {summary.pdca.line()}")
        out(f"  地域連絡会議（デモ）: 追加 {summary.meetings}件")
        out("")
        out("デモ用ユーザー:")
        for line in format_table(("ユーザー名", "所属", "役割"), cast_rows()):
            out(f"  {line}")
        out(f"パスワード（全員共通）: {CAST_PASSWORD}")
        if summary.users_created:
            out(f"  新規作成: {', '.join(summary.users_created)}")
        if summary.users_kept_password:
            out("  既存のユーザーのパスワードは変更していません（再設定するには --reset-passwords）。")
        out(f"  {SUPERUSER} は管理サイト（/admin/）にもログインできます。")
        out("")
        out(self.style.WARNING(DISCLAIMER))
