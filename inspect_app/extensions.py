"""Flask extensions, created unbound and initialised in create_app."""

from __future__ import annotations

import sqlalchemy as sa
from babel import support
from flask import current_app, has_app_context, has_request_context, request
from flask_babel import Babel, Domain, get_locale
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


@sa.event.listens_for(sa.Table, "after_parent_attach")
def _never_reuse_keys(table: sa.Table, parent) -> None:
    """Integer keys are never reused on SQLite either (AUTOINCREMENT): without it a discarded
    draft's id went to the next inspection, and a device's queued changes for the discarded
    one landed in another factory's inspection. PostgreSQL's sequences never reuse a value."""
    if parent is Base.metadata:
        table.dialect_options["sqlite"]["autoincrement"] = True


class _CatalogueDomain(Domain):
    """Finds catalogues by language_TERRITORY folder ("zh_CN").

    Babel parses "zh_CN" into zh_Hans_CN, a name gettext cannot map to the zh_CN folder.
    """

    def get_translations(self):
        if not has_app_context() or (locale := get_locale()) is None:
            return support.NullTranslations()
        folder = f"{locale.language}_{locale.territory}" if locale.territory else locale.language
        key = (folder, self.domain[0])
        if key not in self.cache:
            translations = support.Translations()
            for dirname in self.translation_directories:
                catalog = support.Translations.load(dirname, [folder, locale], self.domain[0])
                translations.merge(catalog)
                if hasattr(catalog, "plural"):
                    translations.plural = catalog.plural
            self.cache[key] = translations
        return self.cache[key]


class _Babel(Babel):
    @property
    def domain_instance(self):
        if not hasattr(self, "_catalogue_domain"):
            self._catalogue_domain = _CatalogueDomain(domain=self.domain)
        return self._catalogue_domain


#: The largest value an INTEGER column (ids, counts) holds on every supported database.
MAX_ID = 2**31 - 1
#: Page numbers past this show an empty page: it keeps OFFSET within every driver's range.
MAX_PAGE = 100_000
MAX_PER_PAGE = 100


class _SQLAlchemy(SQLAlchemy):
    def paginate(self, select, *, page=None, per_page=None, **kwargs):
        """Paginate with `?page=` and `?per_page=` bounded (a huge number in the URL would
        otherwise reach the driver as LIMIT/OFFSET and fail as a 500)."""
        if has_request_context():
            if page is None:
                page = request.args.get("page", type=int)
            if per_page is None and (asked := request.args.get("per_page", type=int)):
                per_page = max(1, min(asked, MAX_PER_PAGE))
        if page is not None:
            page = max(1, min(page, MAX_PAGE))
        return super().paginate(select, page=page, per_page=per_page, **kwargs)


db = _SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = _Babel()

_READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def configure_sqlite(engine: sa.Engine) -> None:
    """Give SQLite connections WAL, a busy timeout, foreign keys and immediate write transactions.

    pysqlite's own transaction handling starts a deferred transaction that takes the write
    lock only at the first write; two requests that read-then-write can then deadlock and one
    gets "database is locked" at once, whatever the busy timeout. We turn pysqlite's handling
    off and begin transactions ourselves: IMMEDIATE (take the write lock up front, waiting up
    to busy_timeout) for anything that may write, DEFERRED for safe-method requests.

    ``SQLITE_PROTECT = False`` in the app's config turns the busy timeout and the IMMEDIATE
    transactions off (every transaction DEFERRED, no waiting for a lock). It exists only so
    tests/test_sqlite_load.py can show that its workload fails without them; never set it
    in production.
    """
    if engine.dialect.name != "sqlite":
        return
    protect = bool(current_app.config.get("SQLITE_PROTECT", True)) if has_app_context() else True

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - exercised by every test
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={30000 if protect else 0}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection):
        read_only = has_request_context() and request.method in _READ_ONLY_METHODS
        connection.exec_driver_sql("BEGIN" if read_only or not protect else "BEGIN IMMEDIATE")


def new_client_id() -> str:
    """A record's id for devices (a UUID): made on the device, or here when none was sent."""
    import uuid

    return str(uuid.uuid4())


def utcnow():
    """Naive UTC now: one convention for every timestamp column on both databases."""
    from datetime import UTC, datetime

    return datetime.now(UTC).replace(tzinfo=None)


def str_enum(enum_cls, length: int = 32) -> sa.Enum:
    """A VARCHAR column holding a StrEnum's values (not names), portable across databases."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        length=length,
        values_callable=lambda cls: [member.value for member in cls],
        validate_strings=True,
    )


def local_today():
    """Today's date where the factories are (INSPECT_TIMEZONE, default Asia/Shanghai)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from flask import current_app, has_app_context

    name = current_app.config["BABEL_DEFAULT_TIMEZONE"] if has_app_context() else "Asia/Shanghai"
    return datetime.now(ZoneInfo(name)).date()
