"""The smoke journey of `make prod-smoke`, against the production shape scripts/prod-shape.sh started.

Every request goes to the next server in turn (a round-robin client standing in for the reverse proxy), so the
journey only passes if sessions, uploads, the task queue and progress are shared by the servers and workers:
both servers and a worker healthy → sign in → upload a KPI register → the dry run (done by a worker) → apply
(a worker) → the new KPI on the organisation's page → the organisation's export contains it → sign out.

Usage: python scripts/prod_smoke.py http://127.0.0.1:18105 http://127.0.0.1:18106
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import subprocess
import sys
import time
import uuid

import requests

USER, PASSWORD = "tokyo_editor", "pass-1234-chizai"
TIMEOUT = 30


class RoundRobin:
    """One signed-in browser whose requests alternate between the servers (cookies are per host, not per port)."""

    def __init__(self, urls: list[str]) -> None:
        self.urls = itertools.cycle(urls)
        self.session = requests.Session()
        self.log: list[str] = []

    def request(self, method: str, path: str, **kwargs: object) -> requests.Response:
        base = next(self.urls)
        response = self.session.request(method, base + path, timeout=TIMEOUT, allow_redirects=False, **kwargs)  # type: ignore[arg-type]
        self.log.append(f"{method} {base}{path} → {response.status_code}")
        return response

    def get(self, path: str) -> requests.Response:
        return self.request("GET", path)

    def post(self, path: str, data: dict[str, str], **kwargs: object) -> requests.Response:
        token = self.session.cookies.get("csrftoken", "")
        data = {"csrfmiddlewaretoken": token, **data}
        return self.request("POST", path, data=data, headers={"Referer": path}, **kwargs)


def check(condition: bool, what: str) -> None:
    if not condition:
        raise SystemExit(f"prod-smoke: FAILED: {what}")
    print(f"  ok  {what}", flush=True)


def wait(predicate, seconds: float, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.5)
    raise SystemExit(f"prod-smoke: FAILED: timed out waiting for {what}")


def healthy(url: str) -> dict[str, object] | None:
    response = requests.get(f"{url}/healthz", timeout=TIMEOUT)
    body = response.json() if response.ok else {}
    return body if body.get("worker") == "ok" else None


def register_csv(kpi_name: str) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    targets = [f"{year}年度目標" for year in (2023, 2024, 2025)]
    writer.writerow(["都道府県", "KPI名", "単位", "形式", *targets, "産業振興ビジョン"])
    writer.writerow(["東京都", kpi_name, "回", "毎年度", "10", "11", "12", ""])
    return text.getvalue().encode("cp932")


def enrol_second_factor(username: str) -> str:
    """Give the smoke user an authenticator (TOTP) with a known secret, as an administrator's script would."""
    script = (
        "from django.contrib.auth.models import User; from chizai.accounts.testing import enrol_totp; "
        f"print(enrol_totp(User.objects.get(username='{username}')))"
    )
    done = subprocess.run(
        [sys.executable, "-m", "chizai.manage", "shell", "-c", script], capture_output=True, text=True, check=True
    )
    return done.stdout.strip().splitlines()[-1]


def main(urls: list[str]) -> None:
    client = RoundRobin(urls)
    for url in urls:
        health = wait(lambda u=url: healthy(u), 60, f"{url}/healthz with a live worker")
        check(health["database"] == "ok", f"{url}/healthz: database ok, worker ok")
    check(client.get("/").status_code in (301, 302), "anonymous visitors are sent to sign in")

    login_page = client.get("/login/")
    check(login_page.status_code == 200 and "csrftoken" in client.session.cookies, "the sign-in page (server 2)")
    secret = enrol_second_factor(USER)
    signed_in = client.post("/login/", {"login": USER, "password": PASSWORD})
    check(
        signed_in.status_code == 302 and "/2fa/authenticate/" in signed_in.headers.get("Location", ""),
        f"{USER} gives the password and is asked for the second factor",
    )
    client.get("/accounts/2fa/authenticate/")
    from chizai.accounts.testing import totp_code

    second = client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    check(second.status_code == 302, f"{USER} signs in with the TOTP code")
    check(client.get("/").status_code == 200, "the dashboard on the other server, same session")

    kpi_name = f"スモーク試験KPI {uuid.uuid4().hex[:8]}（架空）"
    form = client.get("/imports/").text
    plan = re.search(r'<option value="(\d+)"[^>]*>第3次', form)
    check(plan is not None, "the upload form offers the 3rd plan")
    uploaded = client.post(
        "/imports/",
        {"plan": plan.group(1), "organization": ""},  # type: ignore[union-attr]
        files={"file": ("smoke.csv", register_csv(kpi_name), "text/csv")},
    )
    check(uploaded.status_code == 302, "a KPI register uploaded (stored where every server reads it)")
    job_path = uploaded.headers["Location"]

    def page() -> str:
        return client.get(job_path).text

    checked = wait(lambda: (text := page()) and "この内容で反映する" in text and text, 60, "the dry run by a worker")
    check("確認結果" in checked, "the dry run was done by a worker and shows on both servers")
    applied = client.post(job_path + "apply/", {})
    check(applied.status_code == 302, "apply requested")
    done = wait(lambda: (text := page()) and "反映しました" in text and text, 60, "the apply by a worker")
    check("反映済み" in done, "the file was applied by a worker")

    organization = client.get("/organizations/pref-13/")
    check(organization.status_code == 200 and kpi_name in organization.text, "the new KPI is on 東京都's page")
    export = client.get("/exports/organizations/pref-13/kpis.csv")
    body = export.content.decode("cp932", errors="replace")
    check(export.status_code == 200 and kpi_name in body, "東京都's CSV export contains it")
    check("no-store" in export.headers.get("Cache-Control", ""), "the export is not cached")

    client.post("/logout/", {})
    check(client.get("/").status_code in (301, 302), "signed out on both servers")
    servers = {re.sub(r"^\w+ (http://[^/]+).*$", r"\1", line) for line in client.log}
    check(servers == set(urls), f"{len(client.log)} requests spread over {len(servers)} servers")
    print("prod-smoke: passed", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
