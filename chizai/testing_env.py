"""Pytest plugin (pyproject's addopts `-p chizai.testing_env`): tests run in the development posture.

With DEBUG off chizai refuses the development SECRET_KEY and redirects to HTTPS (chizai/settings.py), so the
environment must say DEBUG=1 before the settings are imported. Django's test set-up still turns DEBUG off for
the tests themselves; the production posture is tested by chizai/tests/test_check_deploy.py in a subprocess.
"""

import os

os.environ.setdefault("DEBUG", "1")
# Tasks run within the request that enqueues them; the tests of the real queue start `chizai db_worker` processes
# with the database backend (chizai/exchange/tests/test_worker_death.py).
os.environ.setdefault("CHIZAI_TASK_BACKEND", "django.tasks.backends.immediate.ImmediateBackend")
