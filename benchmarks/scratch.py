"""A throwaway database for one benchmark run. Import it first: it must set the environment before Django starts.

SQLite in a fresh temporary directory, or the server named by BENCH_DATABASE_URL (e.g. a PostgreSQL one).
"""

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def start(prefix: str) -> Path:
    """Point chizai at a new scratch directory and database, set Django up, and return the directory."""
    sys.path.insert(0, str(ROOT))
    workdir = tempfile.mkdtemp(prefix=prefix)
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{workdir}/bench.sqlite3")
    os.environ["CHIZAI_VAR_DIR"] = workdir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chizai.settings")
    os.environ.setdefault("DEBUG", "1")  # a local run: no HTTPS redirect, the development key

    import django

    django.setup()
    return Path(workdir)
