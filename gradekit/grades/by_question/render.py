"""Markdown of untrusted student answers to HTML that cannot run code in the TA's browser.

markdown-it-py with raw HTML disabled: `<script>` and `<img onerror=...>` come out as
escaped text. Its link validator refuses `javascript:`, `vbscript:`, `file:` and
`data:` URLs (except data: images), so such a link is left as plain text.
"""
from __future__ import annotations

from markdown_it import MarkdownIt
from markupsafe import Markup

_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")


def render_markdown(text: str) -> Markup:
    """Render Markdown with raw HTML disabled and unsafe links dropped.

    Args:
        text: the Markdown source (a student's answer, a question).

    Returns:
        HTML safe to insert into a Jinja2 template as it is.
    """
    return Markup(_MARKDOWN.render(text or ""))
