"""schemathesis fuzzes every operation of the committed openapi.yaml against the app with every check it has:
never a server error, every response (status, content type, headers, body) as the schema describes it, requests
the schema forbids refused and requests it allows answered, 405 for undeclared methods, 401 without credentials.

Each operation is one test; its examples share the test's database transaction, so a write by one example
is seen by the next (as on a live server). Generated ids are mapped onto the rows made here, so the
generated bodies reach real KPIs, targets and cases of 東京都 and not only 404s.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from django.conf import settings
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.config import SchemathesisConfig

from chizai.api.actions import issue_token, token_of
from chizai.cases.models import SupportCase
from chizai.cases.tests import fixtures_cases as fx
from chizai.kpis.models import Kpi, Target

# Every check schemathesis has, on generated valid and invalid requests. One allowance: a write may be refused
# with a 400 for what no schema can state, because it depends on stored data (an organisation code that does not
# exist, a year outside the plan, company and new_company both given). Reads get no such allowance: a query the
# schema allows is answered.
CONFIG = SchemathesisConfig.from_str(
    """
[[operations]]
include-method-regex = "^(POST|PUT|PATCH)$"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "403", "404", "409"]
"""
)
SCHEMA = schemathesis.openapi.from_path(Path(settings.PROJECT_DIR) / "openapi.yaml", config=CONFIG)
APP = get_wsgi_application()
SCHEMA.app = APP
cases_data = fx.cases_data
cases_today = fx.cases_today


@pytest.fixture(autouse=True)
def keep_the_test_connection() -> Any:
    """The WSGI handler closes "obsolete" connections after each request, and inside the test's transaction
    PostgreSQL's connection looks obsolete (autocommit off). Django's test client disconnects the same
    handler for the same reason; the fuzzer calls the WSGI app directly, so it is done here."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_world(db: None, make_kpi: Callable[..., Kpi], cases_data: fx.CasesData, plan3: Any) -> dict[str, Any]:
    """東京都 and 大阪府 KPIs with targets and actuals, a computed one, the cases, and tokens of two users."""
    kpis = [
        make_kpi(owner="pref-13", targets={2023: 10, 2024: 12}, actuals={2023: 8, "2024H1": 5}),
        make_kpi(
            owner="pref-13",
            shape="ratio",
            unit="%",
            targets={2023: 60},
            actuals={2023: {"numerator": 3, "denominator": 5}},
        ),
        make_kpi(owner="pref-27", targets={2023: 20}, actuals={2023: 25}),
        make_kpi(owner="pref-13", counting_rule="cases_regional", targets={2023: 5}),
    ]
    users = [fx.user(name) for name in ("tokyo_editor", "jpo_admin")]
    tokens = [(token_of(user) or issue_token(user=user, actor=user)).key for user in users]
    return {
        "/api/kpis/": [kpi.pk for kpi in kpis],
        "/api/targets/": list(Target.objects.filter(kpi__in=kpis).values_list("pk", flat=True)),
        "/api/cases/": list(SupportCase.objects.values_list("pk", flat=True)),
        "/api/plans/": [plan3.number, 90],
        "tokens": tokens,
        "calls": 0,
    }


def _aim_at_real_rows(case: Any, world: dict[str, Any]) -> None:
    rows = next(rows for prefix, rows in world.items() if case.operation.path.startswith(prefix))
    for name, value in (case.path_parameters or {}).items():
        number = int(value) if str(value).isdigit() else None
        if number is not None and number % 7 != 6:
            # Most generated ids name a real row of the right kind; other values (and one in seven) stay.
            case.path_parameters[name] = rows[number % len(rows)]


@SCHEMA.parametrize()
@hypothesis_settings(
    max_examples=10,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_it_never_answers_a_generated_request_with_a_server_error(case: Any, fuzz_world: dict[str, Any]) -> None:
    if case.path_parameters:
        _aim_at_real_rows(case, fuzz_world)
    # The examples alternate between a prefecture's editor and a JPO administrator: both are covered at half
    # the cost of sending every example twice.
    fuzz_world["calls"] += 1
    token = fuzz_world["tokens"][fuzz_world["calls"] % len(fuzz_world["tokens"])]
    case.call_and_validate(headers={"Authorization": f"Token {token}"})
