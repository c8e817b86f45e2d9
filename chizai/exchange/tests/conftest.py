"""Fixtures for the exchange tests: the KPI fixtures, and files written the way offices write them."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from chizai.exchange.importing import run_import
from chizai.exchange.report import ImportReport
from chizai.kpis.models import Actual, Evaluation, Kpi, Target
from chizai.kpis.tests.conftest import *  # noqa: F403  (plan2, plan3, make_plan, make_kpi, kpi_of, add_actuals)

FIXTURES = Path(__file__).parent / "fixtures"

REGISTER_HEADER = ["都道府県", "KPI名", "単位", "形式", "基準年度", "基準値", "目標年度", "目標値", "産業振興ビジョン"]
ACTUALS_HEADER = ["都道府県", "KPI名", "年度", "期", "実績", "評価コメント"]


@pytest.fixture
def write_xlsx(tmp_path: Path) -> Callable[..., Path]:
    """`write_xlsx({"シート名": rows, …}, hidden=("シート名",), name="x.xlsx")`: a workbook as Excel saves it."""

    def write(
        sheets: dict[str, Iterable[Iterable[Any]]], *, hidden: Iterable[str] = (), name: str = "取込.xlsx"
    ) -> Path:
        workbook = Workbook()
        workbook.remove(workbook.active)
        for title, rows in sheets.items():
            sheet = workbook.create_sheet(title)
            for row in rows:
                sheet.append(list(row))
            if title in hidden:
                sheet.sheet_state = "hidden"
        path = tmp_path / name
        workbook.save(path)
        return path

    return write


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    """`write_csv(rows, encoding="cp932", name="x.csv")`: a CSV as Excel on a Japanese PC saves it."""

    def write(rows: Iterable[Iterable[Any]], *, encoding: str = "cp932", name: str = "取込.csv") -> Path:
        path = tmp_path / name
        with path.open("w", encoding=encoding, newline="") as stream:
            csv.writer(stream, lineterminator="\r\n").writerows(rows)
        return path

    return write


@pytest.fixture
def import_file() -> Callable[..., ImportReport]:
    """`import_file(path, user=…, plan=…, apply=True, **options)`: run the importer as the pages do."""

    def run(path: Path, *, user: Any, plan: Any, apply: bool = True, **options: Any) -> ImportReport:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        return run_import(path=path, file_name=path.name, sha256=digest, plan=plan, user=user, apply=apply, **options)

    return run


def bulk_kpis(plan: Any, names: Iterable[str], owner_code: str = "pref-13") -> list[Kpi]:
    """Many regional KPIs at once (for tests that need thousands of rows)."""
    from chizai.kpis.models import KpiKind
    from chizai.organizations.models import Organization

    owner = Organization.objects.get(code=owner_code)
    kpis = [
        Kpi(plan=plan, code=f"bulk-{n}", name=name, kind=KpiKind.REGIONAL, owner=owner, unit="件", sort_order=n)
        for n, name in enumerate(names)
    ]
    return Kpi.objects.bulk_create(kpis)


def table_sizes() -> dict[str, int]:
    """Row counts of everything an import may write, to prove that nothing was written."""
    from chizai.audit.models import AuditEntry

    models = (Kpi, Target, Actual, Evaluation, AuditEntry)
    return {model.__name__: model.objects.count() for model in models}
