"""Settings, read from the environment once at start-up."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Risk bands for likelihood × severity (1–25): upper bound inclusive → level.
DEFAULT_RISK_BANDS = ((4, "low"), (9, "medium"), (16, "high"), (25, "critical"))


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _integer(name: str, default: int) -> int:
    value = os.environ.get(name)
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {value!r}") from None


def secret_key(instance_path: Path) -> str:
    """Return SECRET_KEY from the environment, or one generated once into the instance folder."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = instance_path / "secret_key"
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()


def from_environment(instance_path: Path) -> dict:
    """Build the Flask config mapping from INSPECT_* environment variables."""
    database_url = os.environ.get("INSPECT_DATABASE_URL") or (
        f"sqlite:///{instance_path / 'inspect.db'}"
    )
    upload_dir = os.environ.get("INSPECT_UPLOAD_DIR") or str(PROJECT_ROOT / "uploads")
    secure_cookies = _flag("INSPECT_COOKIE_SECURE", True)
    env = os.environ.get
    return {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "UPLOAD_DIR": upload_dir,
        # Files (photos, generated documents): a local folder, or an S3-compatible object store
        # (chosen when INSPECT_S3_BUCKET is set, unless INSPECT_STORAGE says otherwise).
        "STORAGE_BACKEND": env("INSPECT_STORAGE")
        or ("s3" if env("INSPECT_S3_BUCKET") else "local"),
        "S3_ENDPOINT_URL": env("INSPECT_S3_ENDPOINT_URL") or None,
        "S3_PUBLIC_ENDPOINT_URL": env("INSPECT_S3_PUBLIC_ENDPOINT_URL") or None,
        "S3_BUCKET": env("INSPECT_S3_BUCKET") or None,
        "S3_REGION": env("INSPECT_S3_REGION") or None,
        "S3_ACCESS_KEY_ID": env("INSPECT_S3_ACCESS_KEY_ID") or None,
        "S3_SECRET_ACCESS_KEY": env("INSPECT_S3_SECRET_ACCESS_KEY") or None,
        "S3_PREFIX": env("INSPECT_S3_PREFIX", ""),
        "S3_ADDRESSING_STYLE": env("INSPECT_S3_ADDRESSING_STYLE") or "auto",
        "STORAGE_SERVE": env("INSPECT_STORAGE_SERVE") or "stream",
        "STORAGE_URL_EXPIRES": _integer("INSPECT_STORAGE_URL_EXPIRES", 300),
        "CHECKLIST_DIR": os.environ.get("INSPECT_CHECKLIST_DIR")
        or str(PROJECT_ROOT / "checklists"),
        "MAX_CONTENT_LENGTH": int(os.environ.get("INSPECT_MAX_UPLOAD_MB", "40")) * 1024 * 1024,
        # Every other request body (forms, JSON): small, so nothing big is parsed for anyone.
        "MAX_BODY_KB": _integer("INSPECT_MAX_BODY_KB", 1024),
        "PHOTO_MAX_PIXELS": int(os.environ.get("INSPECT_PHOTO_MAX_PIXELS", "60000000")),
        "SESSION_COOKIE_SECURE": secure_cookies,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "inspect_session",
        "PERMANENT_SESSION_LIFETIME": 60 * 60 * 24 * 14,
        "REMEMBER_COOKIE_SECURE": secure_cookies,
        # The CSRF token lives as long as the session: tablets stay open all day.
        "WTF_CSRF_TIME_LIMIT": None,
        "WTF_CSRF_CHECK_DEFAULT": False,  # we call protect() ourselves so Bearer API calls skip it
        "BABEL_DEFAULT_LOCALE": os.environ.get("INSPECT_DEFAULT_LOCALE", "zh_CN"),
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("INSPECT_TIMEZONE", "Asia/Shanghai"),
        "LANGUAGES": ("zh_CN", "en"),
        "LOGIN_MAX_FAILURES": int(os.environ.get("INSPECT_LOGIN_MAX_FAILURES", "5")),
        "LOGIN_MAX_FAILURES_PER_IP": int(os.environ.get("INSPECT_LOGIN_MAX_FAILURES_PER_IP", "30")),
        "LOGIN_WINDOW_SECONDS": int(os.environ.get("INSPECT_LOGIN_WINDOW_SECONDS", "900")),
        "LOGIN_MAX_DELAY_SECONDS": _integer("INSPECT_LOGIN_MAX_DELAY_SECONDS", 900),
        "LOGIN_ACCOUNT_FAILURES": _integer("INSPECT_LOGIN_ACCOUNT_FAILURES", 20),
        "LOGIN_ACCOUNT_MAX_DELAY_SECONDS": _integer("INSPECT_LOGIN_ACCOUNT_MAX_DELAY_SECONDS", 60),
        "SESSION_MAX_AGE_DAYS": int(os.environ.get("INSPECT_SESSION_MAX_AGE_DAYS", "14")),
        "RISK_BANDS": DEFAULT_RISK_BANDS,
        "PER_PAGE": 25,
        "MINIFY_ASSETS": _flag("INSPECT_MINIFY_ASSETS", True),
        # Jobs (report PDFs): through Redis to `flask worker` processes when a URL is given,
        # else on a small thread pool in each app process.
        "REDIS_URL": env("INSPECT_REDIS_URL") or None,
        "JOBS_QUEUE": env("INSPECT_JOBS_QUEUE") or "inspect",
        # Rendered charts in Redis (with INSPECT_REDIS_URL) under this prefix, shared by servers.
        "CACHE_PREFIX": env("INSPECT_CACHE_PREFIX") or "inspect:cache:",
        "JOB_THREADS": _integer("INSPECT_JOB_THREADS", 2),
        "PDF_WAIT_SECONDS": _integer("INSPECT_PDF_WAIT_SECONDS", 20),
        # Days an order to rectify gives per hazard by grade (the inspector may change each).
        "DEADLINE_DAYS": {
            "general": _integer("INSPECT_DEADLINE_DAYS_GENERAL", 15),
            "major": _integer("INSPECT_DEADLINE_DAYS_MAJOR", 30),
        },
        "COMPRESS_RESPONSES": _flag("INSPECT_COMPRESS", True),
        # Reverse proxies in front of the app that set X-Forwarded-For/-Proto (0: none, the
        # headers are ignored, as anyone could send them).
        "TRUSTED_PROXIES": _integer("INSPECT_TRUSTED_PROXIES", 0),
        # What operators see (inspect_app/observability.py): "json" logs, the app's own access
        # log (on with JSON logs; gunicorn writes one otherwise), /metrics's bearer token.
        "LOG_FORMAT": (env("INSPECT_LOG_FORMAT") or "text").strip().lower(),
        "LOG_LEVEL": (env("INSPECT_LOG_LEVEL") or "INFO").strip().upper(),
        "ACCESS_LOG": _flag("INSPECT_ACCESS_LOG", env("INSPECT_LOG_FORMAT") == "json"),
        "METRICS_TOKEN": env("INSPECT_METRICS_TOKEN") or None,
    }
