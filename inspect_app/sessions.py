"""The session cookie, with one rule for the offline kit.

The service worker refreshes the offline kit in the background (static/js/sw.js: a few dozen
pages, each request marked `X-Inspect-Kit: 1`). A refresh still under way when the user signs in
again would answer with the old, signed-out session's cookie after sign-in set the new one, and
sign the user out at once (seen: the login page again right after the right password). So a
kit request reads the session — it needs the user — but never writes it.
"""

from __future__ import annotations

from flask import request
from flask.sessions import SecureCookieSessionInterface

KIT_HEADER = "X-Inspect-Kit"


class SessionInterface(SecureCookieSessionInterface):
    def save_session(self, app, session, response) -> None:
        if request.headers.get(KIT_HEADER):
            return None
        return super().save_session(app, session, response)
