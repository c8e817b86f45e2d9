"""One writer per row type: outside the owning app's `actions.py`, app code does not write domain rows.

Parses every non-test, non-migration module under chizai/ and flags calls that write rows:
`.save()`, `.delete()`, `X.objects.create/get_or_create/update_or_create/bulk_create/bulk_update()`, and
`.update()` / `.delete()` on a queryset (a call chain through `.objects`, `.filter()`, `.exclude()` or `.all()`).
An app's `actions.py` (or `actions/` package) may write its own models; writing another app's models there is
flagged too (a model imported from `chizai.<other>.models`).

`ALLOWED` names the writes that are not domain data, each with its reason. `PENDING` lists today's offenders,
file by file, while the apps are converted: the lead empties it. A PENDING entry that no longer offends fails the
test as well, so the list can only shrink.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

CHIZAI = Path(__file__).resolve().parents[1]
ROOT = CHIZAI.parent

WRITE_METHODS = {"save", "delete"}
MANAGER_WRITES = {"create", "get_or_create", "update_or_create", "bulk_create", "bulk_update", "update", "delete"}
QUERYSET_STEPS = {"objects", "filter", "exclude", "all", "select_for_update", "_default_manager"}
# Receivers whose save/delete are not rows: the cache, uploaded files, storages, sessions, Excel and Word files.
NOT_ROWS = {"cache", "default_storage", "storage", "session", "file", "upload", "fieldfile", "workbook", "docx"}

# Writes of rows that are not domain data, or that are the one writer of their kind. path → call texts.
ALLOWED: dict[str, set[str]] = {
    # The audit trail's own writer: every other write calls it.
    # It appends to the hash chain, moving the chain's head row under its lock.
    "chizai/audit/log.py": {
        "AuditChainHead.objects.filter(pk=head.pk).update",
        "AuditChainHead.objects.select_for_update().get_or_create",
    },
    # The append-only entry refuses every save but the first (the insert the writer makes).
    "chizai/audit/models.py": {"super().save"},
    # The workflow engine's transition(): the one writer of every workflow state (self-evaluations, model cases),
    # with the rule, the conditional UPDATE, the record and the audit entry.
    "chizai/workflow.py": {"workflow.model._default_manager.filter(**guard).update"},
    # The reference organisations' loader is their one writer (the admin writes through AuditedModelAdmin).
    "chizai/organizations/reference.py": {"Organization.objects.bulk_create", "Organization.objects.bulk_update"},
    # Sign-in accounts sit above audit in the layers (organizations cannot record): the invitation writes the
    # invitee's first membership with its audit entry; the admin (chizai/audit/admin_accounts.py) writes the rest.
    "chizai/accounts/actions.py": {"Membership.objects.create"},
    # The figures table is derived data: only the KPI writers (kpis.actions) refresh it, in the write's transaction
    # (`refresh`, or `store_ahead` for figures an import computed before it, with the writers' `Inserter`).
    "chizai/kpis/figures.py": {
        "KpiFigure.objects.filter(kpi_id__in=locked).delete",
        "KpiFigure.objects.filter(kpi_id__in=replaced).delete",
        "KpiFigure.objects.bulk_create",
    },
    # The cast of demo and test users: accounts, not plan data.
    "chizai/organizations/demo_users.py": {
        "Membership.objects.update_or_create",
        "User.objects.get_or_create",
        "user.save",
    },
}

# Today's offenders, per file, while the helpers convert their apps (ISSUE9 §1). The lead empties this list.
PENDING: dict[str, set[str]] = {}


@dataclass(frozen=True)
class Offence:
    path: str
    line: int
    call: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.call}(…)"


def _chain(node: ast.expr) -> list[str]:
    """The names along a call chain, outermost last: `Kpi.objects.filter(x=1).update` → [Kpi, objects, filter,
    update]."""
    names: list[str] = []
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            names.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Name):
            names.append(node.id)
            break
        elif isinstance(node, ast.Subscript):
            node = node.value
        else:
            break
    return list(reversed(names))


def _is_write(call: ast.Call) -> bool:
    if not isinstance(call.func, ast.Attribute):
        return False
    method = call.func.attr
    chain = _chain(call.func)
    receiver = chain[:-1]
    through_queryset = bool(QUERYSET_STEPS & set(receiver))
    if method in MANAGER_WRITES and through_queryset:
        return True
    if method in WRITE_METHODS:
        if not receiver or {name.lower() for name in receiver} & NOT_ROWS:
            return False
        if method == "delete" and len(call.args) > 0:
            return False  # dict-like .delete(key): caches, sessions
        return True
    return False


def _model_imports(tree: ast.Module) -> dict[str, str]:
    """Name → app label of every model imported from `chizai.<app>.models`."""
    owners: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("chizai."):
            parts = node.module.split(".")
            if len(parts) >= 3 and parts[2] == "models":
                for alias in node.names:
                    owners[alias.asname or alias.name] = parts[1]
    return owners


def _app_of_actions(relative: str) -> str | None:
    parts = relative.split("/")
    if len(parts) >= 3 and (parts[2] == "actions.py" or parts[2] == "actions"):
        return parts[1]
    return None


def _modules() -> list[Path]:
    found = []
    for path in sorted(CHIZAI.rglob("*.py")):
        parts = path.relative_to(CHIZAI).parts
        if "tests" in parts or "migrations" in parts or path.name.startswith(("test", "conftest")):
            continue
        found.append(path)
    return found


def offences() -> list[Offence]:
    found: list[Offence] = []
    for path in _modules():
        relative = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=relative)
        own_app = _app_of_actions(relative)
        owners = _model_imports(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not _is_write(node):
                continue
            call = ast.unparse(node.func)
            if own_app is not None:
                root = _chain(node.func)[0]
                if owners.get(root, own_app) == own_app:
                    continue  # the owning app's writer
            if call in ALLOWED.get(relative, set()):
                continue
            found.append(Offence(relative, node.lineno, call))
    return found


def _render(calls: dict[str, set[str]]) -> str:
    return "\n".join(f"    {path!r}: {sorted(texts)!r}," for path, texts in sorted(calls.items()))


def test_it_writes_domain_rows_only_in_the_owning_apps_actions() -> None:
    found: dict[str, set[str]] = {}
    lines: dict[str, list[str]] = {}
    for offence in offences():
        found.setdefault(offence.path, set()).add(offence.call)
        lines.setdefault(offence.path, []).append(str(offence))
    new = {path: calls - PENDING.get(path, set()) for path, calls in found.items()}
    new = {path: calls for path, calls in new.items() if calls}
    gone = {path: calls - found.get(path, set()) for path, calls in PENDING.items()}
    gone = {path: calls for path, calls in gone.items() if calls}

    assert not new, "rows written outside the owning app's actions.py (call the app's writer instead):\n" + "\n".join(
        line for path in sorted(new) for line in lines[path] if line.rsplit(": ", 1)[1][:-3] in new[path]
    )
    assert not gone, "PENDING entries that no longer offend: remove them from PENDING\n" + _render(gone)


def test_it_flags_the_writes_it_is_meant_to_flag() -> None:
    source = """
kpi.save()
Kpi.objects.create(name="x")
Kpi.objects.filter(pk=1).update(name="x")
Actual.objects.all().delete()
kpi.actuals.filter(half="H1").delete()
values.update({"a": 1})
cache.delete("key")
request.session.save()
"""
    calls = [ast.unparse(n.func) for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Call) and _is_write(n)]

    assert sorted(calls) == sorted(
        [
            "kpi.save",
            "Kpi.objects.create",
            "Kpi.objects.filter(pk=1).update",
            "Actual.objects.all().delete",
            "kpi.actuals.filter(half='H1').delete",
        ]
    )


RAW_INSERTS = ("insert_rows(", "Inserter(", "entry_inserter(")


def test_raw_bulk_inserts_come_only_from_the_writers() -> None:
    """`chizai.audit.bulk.insert_rows` and `Inserter` write rows with raw SQL, which the parse above cannot see as a
    write (the KPI writers hand an `Inserter` to `chizai.kpis.figures` to store the figures they computed ahead)."""
    root = Path(__file__).resolve().parents[2]
    callers = {
        str(path.relative_to(root))
        for path in (root / "chizai").rglob("*.py")
        if "/tests/" not in str(path) and any(call in path.read_text(encoding="utf-8") for call in RAW_INSERTS)
    }
    assert callers <= {"chizai/audit/bulk.py", "chizai/audit/log.py", "chizai/kpis/actions.py"}, callers
