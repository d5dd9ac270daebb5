"""Checklist text as HTML: line breaks, simple lists and emphasis kept, nothing else.

Item text, guidance and sub-items are written in a small Markdown subset (a line break is a
line break; lines starting with `- ` or `1. ` make a list; `**bold**`). markdown-it-py renders
it with raw HTML off, so whatever a file says comes out escaped: no tags, no links, no images.
"""

from __future__ import annotations

from functools import lru_cache

from markdown_it import MarkdownIt
from markupsafe import Markup

__all__ = ["render", "render_lean", "split_heading"]

_MARKDOWN = MarkdownIt("zero", {"breaks": True, "html": False}).enable(
    ["list", "emphasis", "newline"]
)


@lru_cache(maxsize=8192)
def render(text: str) -> Markup:
    """The text as block HTML (paragraphs, lists, line breaks)."""
    # Safe: raw HTML is off, so markdown-it escapes every character of the source.
    # The closing newline is left out: 200 bytes on a form of 69 items.
    return Markup(_MARKDOWN.render(text).rstrip("\n"))  # noqa: S704  # nosec B704


@lru_cache(maxsize=8192)
def render_lean(text: str) -> Markup:
    """Like `render`, but a single paragraph comes without its <p>: for the tablet form, where
    its item's guidance and other-language text are three such paragraphs per item."""
    tokens = _MARKDOWN.parse(text)
    if [token.type for token in tokens] != ["paragraph_open", "inline", "paragraph_close"]:
        return render(text)
    # Safe as above: markdown-it escapes the source.
    return Markup(_MARKDOWN.renderInline(text))  # noqa: S704  # nosec B704


@lru_cache(maxsize=8192)
def split_heading(text: str) -> tuple[Markup, Markup]:
    """(first paragraph as inline HTML, the rest as block HTML) — for a question shown as a
    heading, where lists cannot go inside the heading itself."""
    tokens = _MARKDOWN.parse(text)
    if not tokens or tokens[0].type != "paragraph_open" or tokens[0].map is None:
        return Markup(""), render(text)
    end = tokens[0].map[1]
    lines = text.splitlines()
    head = "\n".join(lines[:end])
    rest = "\n".join(lines[end:]).strip()
    # Safe as above: markdown-it escapes the source.
    inline = Markup(_MARKDOWN.renderInline(head))  # noqa: S704  # nosec B704
    return inline, render(rest) if rest else Markup("")
