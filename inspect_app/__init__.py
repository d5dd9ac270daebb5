"""OSH inspection app: YAML checklists, findings with photos, improvement actions, progress."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, g, request, session
from flask_login import current_user
from werkzeug.routing import IntegerConverter

from . import config as config_module
from .extensions import MAX_ID, babel, configure_sqlite, csrf, db, login_manager, migrate

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

CSP = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


class DatabaseIdConverter(IntegerConverter):
    """`<int:…>` in routes: record ids. A number past the INTEGER columns' range names no
    record, so it reads as id 0 (which no row has): a 404 like any other missing record, not a
    driver error (SQLite cannot even bind it). Longer digit strings match no route at all."""

    regex = r"\d{1,10}"

    def to_python(self, value: str) -> int:
        number = int(value)
        return number if number <= MAX_ID else 0


def create_app(config: dict | None = None) -> Flask:
    """Build the app: config → extensions → blueprints → CLI → error handlers."""
    app = Flask(__name__, instance_relative_config=True)
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    app.config.update(config_module.from_environment(instance))
    if config:
        app.config.update(config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = config_module.secret_key(instance)
    from . import storage

    storage.init_app(app)  # a bad storage setting stops the start with the variable's name
    from . import jobs

    jobs.init_app(app)  # heavy work: in-process threads, or Redis and `flask worker`
    from . import cache

    cache.init_app(app)  # rendered charts: Redis shared by every server, or in-process

    _trust_proxies(app)
    from .sessions import SessionInterface

    app.session_interface = SessionInterface()  # the offline kit's refresh never writes it
    app.url_map.converters["int"] = DatabaseIdConverter  # before any route is added
    import_models()
    _init_extensions(app)
    _register_blueprints(app)
    _register_cli(app)
    from . import observability

    observability.init_app(app)  # first of the request hooks: every answer gets its id, timed
    _register_request_hooks(app)
    from . import assets, compression, sqlcount

    assets.init_app(app)  # scripts and stylesheets served minified
    compression.init_app(app)  # then gzip or brotli on the wire

    if sqlcount.wanted(app):  # benchmarks and the N+1 test: X-SQL-Count on every response
        sqlcount.init_app(app)
    from .errors import register_error_handlers

    register_error_handlers(app)
    return app


def _trust_proxies(app: Flask) -> None:
    """Behind INSPECT_TRUSTED_PROXIES reverse proxies, the client's address and scheme come from
    their X-Forwarded-For and X-Forwarded-Proto headers (the last N hops, which those proxies
    wrote); with none, such headers are ignored: any client could send them."""
    hops = app.config.get("TRUSTED_PROXIES", 0)
    if not isinstance(hops, int) or hops < 0:
        raise ValueError(f"INSPECT_TRUSTED_PROXIES must be 0 or more, not {hops!r}")
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


def _select_locale():
    from flask import current_app, has_request_context

    languages = current_app.config["LANGUAGES"]
    choice = current_app.config["BABEL_DEFAULT_LOCALE"]
    if not has_request_context():
        return choice
    if current_user and current_user.is_authenticated and _user_locale() in languages:
        choice = current_user.locale
    elif session.get("locale") in languages:
        choice = session["locale"]
    else:
        best = request.accept_languages.best_match(("zh", "zh-CN", "zh-Hans", "en", "en-US"))
        if best:
            choice = "zh_CN" if best.lower().startswith("zh") else "en"
    return choice


def _user_locale() -> str | None:
    """The signed-in user's language, or None while it cannot be read: after a failed flush
    (two saves racing on a version) every record is expired until the session rolls back, and
    the 409 that explains the clash is built in that moment. Its message then follows the
    browser's language instead of becoming a 500."""
    import sqlalchemy as sa

    try:
        return current_user.locale
    except sa.exc.SQLAlchemyError:
        return None


def import_models() -> None:
    """Import every model module so the metadata (and Alembic's autogenerate) sees them all."""
    from .accounts import models as _accounts  # noqa: F401
    from .actions import models as _actions  # noqa: F401
    from .cases import models as _cases  # noqa: F401
    from .checklists import models as _checklists  # noqa: F401
    from .documents import models as _documents  # noqa: F401
    from .factories import models as _factories  # noqa: F401
    from .inspections import models as _inspections  # noqa: F401
    from .jobs import models as _jobs  # noqa: F401
    from .photos import models as _photos  # noqa: F401
    from .storage import models as _storage  # noqa: F401


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    with app.app_context():
        configure_sqlite(db.engine)
    migrate.init_app(
        app,
        db,
        directory=str(Path(__file__).resolve().parent.parent / "migrations"),
        render_as_batch=True,
        compare_type=True,
    )
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_select_locale)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.session_protection = None  # sessions are server-side rows; see accounts
    from .accounts import auth

    auth.init_login(app)


def _register_blueprints(app: Flask) -> None:
    from .accounts.views import bp as accounts_bp
    from .actions.views import bp as actions_bp
    from .api import bp as api_bp
    from .cases.views import bp as cases_bp
    from .checklists.views import bp as checklists_bp
    from .documents.views import bp as documents_bp
    from .factories.kpi_views import bp as kpis_bp
    from .factories.views import bp as factories_bp
    from .inspections.views import bp as inspections_bp
    from .jobs.views import bp as jobs_bp
    from .main.views import bp as main_bp
    from .offline.views import bp as offline_bp
    from .photos.views import bp as photos_bp
    from .progress.views import bp as progress_bp

    for bp in (
        main_bp,
        accounts_bp,
        factories_bp,
        checklists_bp,
        inspections_bp,
        photos_bp,
        actions_bp,
        documents_bp,
        cases_bp,
        kpis_bp,
        progress_bp,
        jobs_bp,
        offline_bp,
        api_bp,
    ):
        app.register_blueprint(bp)


def _register_cli(app: Flask) -> None:
    from .cli import register

    register(app)


def _register_request_hooks(app: Flask) -> None:
    from .audit import current_actor
    from .inputs import refuse_nameless_parts, refuse_unstorable_text

    csp = CSP
    if origin := app.config.get("STORAGE_URL_ORIGIN"):  # photos redirected to signed URLs
        csp = CSP.replace("img-src 'self'", f"img-src 'self' {origin}")

    from .bodies import limit_body

    app.before_request(limit_body)  # first: before anything reads the body

    @app.before_request
    def _protect_and_attribute():
        refuse_nameless_parts()
        if (
            request.method not in SAFE_METHODS
            and app.config.get("WTF_CSRF_ENABLED", True)
            and not request.headers.get("Authorization", "").startswith("Bearer ")
        ):
            csrf.protect()
        refuse_unstorable_text()
        g._actor_token = current_actor.set(
            current_user.id if current_user.is_authenticated else None
        )

    @app.teardown_request
    def _reset_actor(_exc):
        token = g.pop("_actor_token", None)
        if token is not None:
            current_actor.reset(token)

    @app.after_request
    def _security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", csp)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(self), geolocation=(), microphone=()")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if request.is_secure:  # directly, or as a trusted proxy says (INSPECT_TRUSTED_PROXIES)
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if current_user and current_user.is_authenticated:
            headers.setdefault("Cache-Control", "private, no-store")
            headers.add("Vary", "Cookie")
        return response
