"""`chizai load_demo` before plan 3 is loaded: a Japanese error and nothing written.

Apart from test_demo.py, whose tests all run inside one loaded demo."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from chizai.kpis.models import DemoDataset, Kpi


def test_it_fails_in_japanese_without_plan_3(db: None) -> None:
    with pytest.raises(CommandError, match="load_plan") as raised:
        call_command("load_demo", stdout=StringIO())

    assert "第3次地域知財活性化行動計画が登録されていません" in str(raised.value)
    assert not DemoDataset.objects.exists()
    assert not Kpi.objects.filter(code__startswith="demo-").exists()
