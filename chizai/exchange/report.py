"""What an import found and did: problems by sheet, row and column, and the changes, counted and listed.

The same report serves the dry run (what would change) and the applied import (what changed); it is
stored as JSON on the ImportJob and shown on the job page and by `chizai import`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

# A report lists at most this many problems and changes; the counts always cover every row.
LISTED_PROBLEMS = 1000
LISTED_CHANGES = 1000


@dataclass(frozen=True)
class Problem:
    """One problem, in Japanese, located as a person finds it in Excel: シート, 行 (1-based) and 列 (header)."""

    message: str
    sheet: str = ""
    row: int | None = None
    column: str = ""

    @property
    def location(self) -> str:
        parts = []
        if self.sheet:
            parts.append(f"シート「{self.sheet}」")
        if self.row is not None:
            parts.append(f"{self.row}行目")
        if self.column:
            parts.append(f"列「{self.column}」")
        return " ".join(parts)

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


@dataclass(frozen=True)
class Change:
    """One row's effect: e.g. action "更新", what "東京都 知財総合支援窓口の相談件数 2024年度 実績", 120 → 135."""

    action: str  # 新規 / 更新
    what: str
    old: str = ""
    new: str = ""
    sheet: str = ""
    row: int | None = None


@dataclass
class ImportReport:
    file_name: str = ""
    sha256: str = ""
    kinds: list[str] = field(default_factory=list)  # "register" / "actuals", per sheet in order
    rows_read: int = 0
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    changes: list[Change] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)  # e.g. "KPI 新規", "実績 更新", "変更なし"
    applied: bool = False
    # A digest of the (row, version) of every existing row the import touches: an apply whose digest
    # differs from its dry run's means someone changed the data in between, and it is refused.
    fingerprint: str = ""

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    @property
    def change_count(self) -> int:
        return sum(n for key, n in self.counts.items() if key != "変更なし")

    def add_problem(self, message: str, *, sheet: str = "", row: int | None = None, column: str = "") -> None:
        self.problem_count += 1
        if len(self.problems) < LISTED_PROBLEMS:
            self.problems.append(Problem(message, sheet, row, column))

    @property
    def lists_changes(self) -> bool:
        """Whether the next change is listed (else only counted: a caller need not describe it)."""
        return len(self.changes) < LISTED_CHANGES

    def add_change(self, change: Change | None, count_key: str) -> None:
        """Count a change under `count_key` and list it while the list has room (None: counted only, when
        `lists_changes` was false)."""
        self.counts[count_key] += 1
        if change is not None and len(self.changes) < LISTED_CHANGES:
            self.changes.append(change)

    def as_json(self) -> dict[str, Any]:
        return {
            "file_name": self.file_name,
            "sha256": self.sha256,
            "kinds": self.kinds,
            "rows_read": self.rows_read,
            "problems": [p.__dict__ for p in self.problems],
            "problem_count": self.problem_count,
            "changes": [c.__dict__ for c in self.changes],
            "counts": dict(self.counts),
            "applied": self.applied,
            "fingerprint": self.fingerprint,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ImportReport:
        return cls(
            file_name=data.get("file_name", ""),
            sha256=data.get("sha256", ""),
            kinds=list(data.get("kinds", [])),
            rows_read=data.get("rows_read", 0),
            problems=[Problem(**p) for p in data.get("problems", [])],
            problem_count=data.get("problem_count", 0),
            changes=[Change(**c) for c in data.get("changes", [])],
            counts=Counter(data.get("counts", {})),
            applied=data.get("applied", False),
            fingerprint=data.get("fingerprint", ""),
        )


class ImportFileError(Exception):
    """The file as a whole cannot be read (wrong type, broken, too big, a zip bomb…): one Japanese message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
