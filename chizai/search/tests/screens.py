"""The main signed-in pages, per demo user, for the any-screen and accessibility tests (and their screenshots)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings

AXE_JS = Path(settings.PROJECT_DIR) / "var" / "test-assets" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
PHONE = {"width": 390, "height": 844}


def main_pages(objects: dict[str, Any]) -> dict[str, str]:
    """Name -> path of every main page, with the objects' ids filled in."""
    return {
        "dashboard": "/",
        "todo": "/pdca/todo/",
        "evaluations": "/pdca/",
        "evaluation": f"/pdca/evaluations/{objects['evaluation']}/",
        "compilation": f"/pdca/compilation/{objects['period']}/",
        "final": "/pdca/final/3/",
        "report": "/plans/3/report/",
        "organizations": "/organizations/",
        "organization": "/organizations/pref-13/",
        "kpi": f"/kpis/{objects['kpi']}/",
        "kpis": "/kpis/?plan=3",
        "compilation_block": f"/pdca/compilation/{objects['period']}/?section=bureau-kanto",
        "revisions": "/revisions/",
        "notices": "/notices/",
        "cases": "/cases/",
        "case": f"/cases/{objects['case']}/",
        "cases_overdue": "/cases/overdue/",
        "companies": "/cases/companies/",
        "company": f"/cases/companies/{objects['company']}/",
        "network": "/cases/network/",
        "model_cases": "/cases/model-cases/",
        "meetings": "/meetings/",
        "meeting": f"/meetings/{objects['meeting']}/",
        "imports": "/imports/",
        "api_token": "/api/token/",
        "search": "/search/?q=東京",
        "help": "/help/",
    }


def page_width(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's violations on the page (WCAG 2.1 A/AA and best practices, `region` included)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, which the page's Content-Security-Policy does not govern
        # (a <script> tag would be refused, as it should be).
        page.evaluate(AXE_JS.read_text(encoding="utf-8") + "\n;true")
    result = page.evaluate("async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"][:5]], "help": v["help"]}
        for v in result["violations"]
    ]
