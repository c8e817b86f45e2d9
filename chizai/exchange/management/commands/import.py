"""`chizai import FILE --user NAME [--plan N] [--org CODE_OR_NAME] [--dry-run]`: import a register or actuals."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from chizai.exchange.importing import run_import
from chizai.exchange.normalize import OrganizationResolver
from chizai.exchange.report import ImportReport
from chizai.kpis.models import Plan
from chizai.organizations.models import Organization

LISTED_CHANGES = 20
COUNT_ORDER = (
    "KPI 新規",
    "KPI 更新",
    "目標 新規",
    "目標 更新",
    "実績 新規",
    "実績 更新",
    "評価 新規",
    "評価 更新",
    "変更なし",
)


class Command(BaseCommand):
    help = (
        "地域KPIの一覧（KPI一覧）や実績を .xlsx / .csv から取り込みます。"
        "すべての行を確認し、問題が1つでもあれば何も書き込みません。--dry-run では確認だけ行います。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="取り込むファイル（.xlsx / .csv）")
        parser.add_argument(
            "--user", required=True, help="取込者のユーザー名（監査記録に残り、この利用者の権限で確認します）"
        )
        parser.add_argument("--plan", type=int, help="計画の次（例: 3）。省略時は最新の計画")
        parser.add_argument(
            "--org", help="取込先の関係主体（コードまたは名称）。都道府県欄が空の行はこの関係主体の行になります"
        )
        parser.add_argument("--dry-run", action="store_true", help="確認だけ行い、何も書き込みません")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"ファイルが見つかりません: {path}")
        user = self._user(options["user"])
        plan = self._plan(options["plan"])
        organization = self._organization(options["org"])
        dry_run = options["dry_run"]
        self.stderr.write(f"{path.name} を{'確認' if dry_run else '取込'}しています（{plan.name}）…")
        report = run_import(
            path=path,
            file_name=path.name,
            sha256=_sha256(path),
            plan=plan,
            user=user,
            organization=organization,
            apply=not dry_run,
            progress=lambda rows: self.stderr.write(f"{rows:,}行 …"),
        )
        self.stdout.write(render(report, dry_run=dry_run))
        if report.problem_count:
            sys.exit(1)

    def _user(self, username: str) -> Any:
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"有効な利用者が見つかりません: {username}")
        return user

    def _plan(self, number: int | None) -> Plan:
        plan = Plan.objects.numbered_or_latest(number)
        if plan is None:
            raise CommandError(
                f"計画が見つかりません: 第{number}次" if number is not None else "計画が登録されていません"
            )
        return plan

    def _organization(self, value: str | None) -> Organization | None:
        if not value:
            return None
        try:
            return OrganizationResolver(Organization.objects.all()).resolve(value)
        except ValueError as error:
            raise CommandError(str(error)) from error


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def render(report: ImportReport, *, dry_run: bool) -> str:
    """The report as plain Japanese text: problems with their location, counts, the first changes."""
    lines = [f"ファイル: {report.file_name}（SHA-256: {report.sha256}）", f"読み込んだ行: {report.rows_read:,}行"]
    if report.problem_count:
        lines.append(f"問題が{report.problem_count:,}件あります。何も書き込んでいません。")
        lines += [f"  - {problem}" for problem in report.problems]
        if report.problem_count > len(report.problems):
            lines.append(f"  （ほか{report.problem_count - len(report.problems):,}件）")
    elif dry_run:
        lines.append("確認のみ（ドライラン）: 問題はありません。まだ何も書き込んでいません。")
    else:
        lines.append("取込が完了しました。")
    counts = [f"{key}: {report.counts[key]:,}" for key in COUNT_ORDER if report.counts.get(key)]
    lines.append("件数: " + ("、".join(counts) if counts else "なし"))
    if report.changes:
        heading = "変更内容" if report.applied else "変更される内容"
        lines.append(f"{heading}（先頭{min(LISTED_CHANGES, len(report.changes))}件）:")
        for change in report.changes[:LISTED_CHANGES]:
            values = f" {change.old} → {change.new}" if change.old else (f" {change.new}" if change.new else "")
            lines.append(f"  - [{change.action}] {change.what}{values}")
    return "\n".join(lines)
