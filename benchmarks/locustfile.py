"""Signed-in users browsing chizai on the production shape (benchmarks/load.sh runs it, bounded and headless).

Each simulated user signs in once as one of the demo users (several sessions per account, as in an office) and
then reads what officials read — the dashboard, organisation pages, KPI pages, the plan report, the import list —
with a few seconds between pages. Users alternate between the servers in LOAD_HOSTS (the round-robin a reverse
proxy would do). Any status other than 200 (or a sign-in that does not redirect) counts as an error.
"""

from __future__ import annotations

import itertools
import os
import random
import re

from locust import HttpUser, between, task

USERS = ["tokyo_editor", "tokyo_viewer", "osaka_editor", "kanto_reviewer", "inpit_editor", "jpo_admin"]
PASSWORD = "pass-1234-chizai"
HOSTS = itertools.cycle(os.environ.get("LOAD_HOSTS", "").split() or [None])
ACCOUNTS = itertools.cycle(USERS)
ORGANIZATIONS = ["pref-13", "pref-27", "pref-01", "pref-14", "pref-23"]
KPI_LINK = re.compile(r'href="/kpis/(\d+)/"')


class Official(HttpUser):
    wait_time = between(2, 6)

    def on_start(self) -> None:
        host = next(HOSTS)
        if host:
            self.client.base_url = host
        self.username = next(ACCOUNTS)
        self.client.get("/login/", name="/login/ (form)")
        token = self.client.cookies.get("csrftoken", "")
        with self.client.post(
            "/login/",
            data={"csrfmiddlewaretoken": token, "username": self.username, "password": PASSWORD},
            headers={"Referer": f"{self.client.base_url}/login/"},
            allow_redirects=False,
            catch_response=True,
            name="/login/ (sign in)",
        ) as response:
            if response.status_code != 302:
                response.failure(f"sign-in of {self.username} answered {response.status_code}")
        dashboard = self.client.get("/", name="/ (dashboard)")
        self.kpis = KPI_LINK.findall(dashboard.text) or ["1"]

    @task(4)
    def dashboard(self) -> None:
        self.client.get("/", name="/ (dashboard)")

    @task(3)
    def organization(self) -> None:
        self.client.get(f"/organizations/{random.choice(ORGANIZATIONS)}/", name="/organizations/[code]/")

    @task(3)
    def kpi(self) -> None:
        self.client.get(f"/kpis/{random.choice(self.kpis)}/", name="/kpis/[pk]/")

    @task(1)
    def organization_list(self) -> None:
        self.client.get("/organizations/", name="/organizations/")

    @task(1)
    def report(self) -> None:
        self.client.get("/plans/3/report/", name="/plans/3/report/")

    @task(1)
    def imports(self) -> None:
        self.client.get("/imports/", name="/imports/")
