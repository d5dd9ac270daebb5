"""The unified social credit code (统一社会信用代码, GB 32100-2015).

18 characters; the last one is a check character over the first 17.
"""

from __future__ import annotations

from flask_babel import gettext as _

#: The 31 characters the standard uses; I, O, S, V and Z are never used.
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def check_character(first17: str) -> str:
    """Return the check character for the first 17 characters of a code."""
    total = sum(_VALUE[ch] * w for ch, w in zip(first17, _WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def normalize(code: str) -> str:
    """Upper-case and strip spaces, as people type codes from paper licences."""
    return "".join(code.split()).upper()


def problem(code: str) -> str | None:
    """Return what is wrong with a code in words a user can act on, or None if it is valid."""
    code = normalize(code)
    if len(code) != 18:
        return _("The code must have 18 characters; this one has %(n)d.", n=len(code))
    for position, ch in enumerate(code, start=1):
        if ch not in _VALUE:
            return _(
                "Character %(pos)d (“%(ch)s”) is not allowed: codes use digits and capital "
                "letters except I, O, S, V and Z.",
                pos=position,
                ch=ch,
            )
    if not code[2:8].isdigit():
        return _("Characters 3–8 must be the 6-digit administrative division code.")
    expected = check_character(code[:17])
    if code[17] != expected:
        return _(
            "The last character is a check character and should be “%(expected)s”, not "
            "“%(got)s”: one of the characters is probably mistyped.",
            expected=expected,
            got=code[17],
        )
    return None


def is_valid(code: str) -> bool:
    """True when the code is well formed and its check character matches."""
    return problem(code) is None


def complete(first17: str) -> str:
    """Append the check character (used by demo data and tests)."""
    if len(first17) != 17 or any(ch not in _VALUE for ch in first17):
        raise ValueError(f"not 17 code characters: {first17!r}")
    return first17 + check_character(first17)
