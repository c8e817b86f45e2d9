"""Template context shared by every page."""

from typing import Any

from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, Any]:
    from chizai.kpis.models import DemoDataset

    return {"demo_data_loaded": DemoDataset.is_loaded()}
