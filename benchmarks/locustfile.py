"""Signed-in users browsing chizai on the production shape (benchmarks/load.sh runs it, bounded and headless).

Each simulated user is signed in as one of the six demo users and reads what officials read — the dashboard,
organisation pages, KPI pages, the plan report, the import list — with a few seconds between pages. Users
alternate between the servers in LOAD_HOSTS (the round-robin a reverse proxy would do). Any status other than
200 counts as an error.

Sign-in happens once per account, before the users start (test_start), and the users of an account share its
session: each sign-in costs a deliberately slow password hash (PBKDF2, about a CPU-second on this machine),
so 200 sign-ins within the 10-second ramp would measure the hash, not the pages. LOAD_SIGN_IN=each makes
every user sign in itself instead (benchmarks/LOAD.md has both figures).
"""

from __future__ import annotations

import itertools
import os
import random
import re
from typing import Any

import requests
from locust import HttpUser, between, events, task

USERS = ["tokyo_editor", "tokyo_viewer", "osaka_editor", "kanto_reviewer", "inpit_editor", "jpo_admin"]
PASSWORD = "pass-1234-chizai"
HOSTS = itertools.cycle(os.environ.get("LOAD_HOSTS", "").split() or [None])
ACCOUNTS = itertools.cycle(USERS)
# The organisation page each account may see (a prefecture sees its own, a bureau its block, JPO every one).
HOME = {
    "tokyo_editor": "pref-13",
    "tokyo_viewer": "pref-13",
    "osaka_editor": "pref-27",
    "kanto_reviewer": "pref-14",
    "inpit_editor": "",  # INPIT edits central KPIs: no prefecture page of its own
    "jpo_admin": "pref-01",
}
KPI_LINK = re.compile(r'href="/kpis/(\d+)/"')
SIGN_IN_EACH = os.environ.get("LOAD_SIGN_IN") == "each"
SESSIONS: dict[str, str] = {}


def sign_in(client: Any, base_url: str, username: str) -> Any:
    client.get(f"{base_url}/login/")
    token = client.cookies.get("csrftoken", "")
    return client.post(
        f"{base_url}/login/",
        data={"csrfmiddlewaretoken": token, "login": username, "password": PASSWORD},
        headers={"Referer": f"{base_url}/login/"},
        allow_redirects=False,
    )


@events.test_start.add_listener
def sign_in_every_account(environment: Any, **kwargs: Any) -> None:
    if SIGN_IN_EACH:
        return
    for username in USERS:
        session = requests.Session()
        response = sign_in(session, environment.host, username)
        if response.status_code != 302:
            raise SystemExit(f"sign-in of {username} answered {response.status_code}")
        SESSIONS[username] = session.cookies["sessionid"]


class Official(HttpUser):
    wait_time = between(2, 6)

    def on_start(self) -> None:
        host = next(HOSTS)
        if host:
            self.client.base_url = host
        self.username = next(ACCOUNTS)
        if SIGN_IN_EACH:
            self.client.get("/login/", name="/login/ (form)")
            token = self.client.cookies.get("csrftoken", "")
            with self.client.post(
                "/login/",
                data={"csrfmiddlewaretoken": token, "login": self.username, "password": PASSWORD},
                headers={"Referer": f"{self.client.base_url}/login/"},
                allow_redirects=False,
                catch_response=True,
                name="/login/ (sign in)",
            ) as response:
                if response.status_code != 302:
                    response.failure(f"sign-in of {self.username} answered {response.status_code}")
        else:
            self.client.cookies.set("sessionid", SESSIONS[self.username])
        dashboard = self.client.get("/", name="/ (dashboard)")
        self.kpis = KPI_LINK.findall(dashboard.text) or ["1"]

    @task(4)
    def dashboard(self) -> None:
        self.client.get("/", name="/ (dashboard)")

    @task(3)
    def organization(self) -> None:
        if HOME[self.username]:
            self.client.get(f"/organizations/{HOME[self.username]}/", name="/organizations/[code]/")
        else:
            self.client.get("/organizations/", name="/organizations/")

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
