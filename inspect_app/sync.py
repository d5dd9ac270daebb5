"""The sync rules every feature shares: ids made on devices, and records discarded on purpose.

A record created on a device carries an id the device made (a UUID, `client_id`); a create sent
twice (a lost response retried, a double tap) returns the record stored the first time. A key is
looked up only in its scope (the user's, the inspection's or the factory's), so a key used in
another scope is simply unknown there.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from .errors import DomainError
from .extensions import new_client_id, utcnow
from .schemas import CLIENT_ID_MAX


class Gone(DomainError):
    """The record was discarded on purpose: a change for it is refused, never moved elsewhere."""

    status = 410
    code = "discarded"


def clean_client_id(value, *, field: str = "client_id") -> str | None:
    """A device's id for a new record, checked (None when none was sent)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not value.strip() or not value.isprintable():
        message = _("Send the record's id as text (a UUID).")
        raise DomainError(message, fields={field: message})
    if len(value) > CLIENT_ID_MAX:
        message = _("At most %(num)d characters.", num=CLIENT_ID_MAX)
        raise DomainError(message, fields={field: message})
    return value


def client_id_or_new(value) -> str:
    """The device's id for a new record, or one made here when it sent none."""
    return clean_client_id(value) or new_client_id()


def device_time(at: datetime | None, sent_at: datetime | None) -> datetime | None:
    """When a change was made, on the server's clock.

    Device clocks are not trusted: a change carries the device's clock reading when it was
    sent (`sent_at`), and the difference to the server's clock on arrival moves the change's
    own time (`at`, on the device's clock) onto the server's. A device 10 minutes slow thus
    still wins with its later answer. Without `sent_at` the time is taken as it is. Never later
    than now: a clock running fast must not win every future race.
    """
    now = utcnow()
    if at is None:
        return None
    if sent_at is not None:
        at = at + (now - sent_at)
    return min(at, now)
