"""Logs: one line per record naming the request id (shared with the audit entries) and the signed-in user."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.test import Client

from chizai.logs import JsonFormatter, RequestContextFilter


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """The root logger's records as chizai's JSON lines, in a buffer."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestContextFilter())
    handler.setFormatter(JsonFormatter())
    logging.getLogger().addHandler(handler)
    try:
        yield stream
    finally:
        logging.getLogger().removeHandler(handler)


@pytest.mark.urls("chizai.tests.test_error_pages")
def test_it_logs_a_failed_request_as_one_json_line_with_request_id_user_and_traceback(db, tokyo_editor, json_log):
    client = Client(raise_request_exception=False)
    client.force_login(tokyo_editor)
    response = client.get("/broken/")
    lines = json_log.getvalue().splitlines()
    assert len(lines) == 1
    entry = json.loads(lines[0])
    assert entry["level"] == "ERROR"
    assert entry["logger"] == "django.request"
    assert entry["status_code"] == 500
    assert entry["request_id"] == response["X-Request-ID"]
    assert entry["user_id"] == str(tokyo_editor.pk)
    assert "RuntimeError: a defect in a view" in entry["exception"]


def test_it_leaves_request_id_and_user_empty_outside_a_request(json_log):
    logging.getLogger("chizai.test").warning("計画ファイルを読み込みました")
    entry = json.loads(json_log.getvalue())
    assert (entry["message"], entry["request_id"], entry["user_id"]) == ("計画ファイルを読み込みました", "", "")


def run_and_log(log_format: str) -> str:
    environment = {**os.environ, "LOG_FORMAT": log_format, "DJANGO_SETTINGS_MODULE": "chizai.settings"}
    code = "import django, logging; django.setup(); logging.getLogger('chizai').warning('取込を開始しました')"
    result = subprocess.run(
        [sys.executable, "-c", code], env=environment, cwd=settings.PROJECT_DIR, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stderr.strip()


def test_it_writes_json_lines_when_the_environment_asks_for_them():
    entry = json.loads(run_and_log("json"))
    assert entry["message"] == "取込を開始しました"
    assert set(entry) >= {"time", "level", "logger", "request_id", "user_id"}


def test_it_writes_readable_text_lines_by_default():
    assert run_and_log("text").endswith("WARNING chizai [ user=] 取込を開始しました")
