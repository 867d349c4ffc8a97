"""No student's or TA's HTML runs in what the kit renders from a notebook (feedback, lab report).

nbconvert turns Markdown into HTML with its `markdown2html` filter, which keeps raw
HTML as it is; nbgrader's feedback template renders the answer cells and a TA's
comment through that filter, and code cells' text/html outputs verbatim. Its own
`sanitize_html` switch only covers outputs, with bleach and an allowlist so short
that headings, images and tables vanish. `SafeHTMLExporter` is nbconvert's
HTMLExporter with:

- `sanitize_html` on, so the templates pass outputs and raw cells through
  `clean_html` and leave JavaScript outputs out;
- `clean_html` and `markdown2html` ending in `clean()`: nh3 (the Ammonia
  sanitiser) with an allowlist of what notebooks legitimately hold: Markdown's
  HTML, tables, images (http(s), relative, `data:image/...`), syntax-highlighted
  code, details/summary, inline colours. Event handlers, scripts, styles,
  frames, forms, objects, `javascript:`/`data:` links go. Formulas are text to
  MathJax, so `$...$` survives untouched;
- the notebook's widget state and widget, Mermaid and JavaScript outputs dropped
  before rendering: the lab template inserts Mermaid source unescaped, and the
  widget manager it would load renders widget HTML unsanitised.

`SanitizedMarkdown` is the same Markdown sanitising as a filter, for an
HTMLExporter configured rather than created by the kit (nbgrader's Formgrader).
"""
from __future__ import annotations

import re
from typing import Any

import nh3
from jinja2 import pass_context
from nbconvert.exporters import HTMLExporter
from nbformat import NotebookNode
from traitlets import Bool
from traitlets.config import LoggingConfigurable

HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
TAGS = nh3.ALLOWED_TAGS | {"table", "thead", "tbody", "tfoot", "tr", "th", "td"}
# nh3's allowlist, plus the attributes that nbconvert's own Markdown and the kit's outputs use: heading
# anchors (id), classes of syntax highlighting and of the kit's verdict line, inline style (filtered
# below), pandas' table border, an open <details>.
ATTRIBUTES = {tag: set(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items()}
ATTRIBUTES["*"] = {"class", "style", "title", "lang", "dir"}
ATTRIBUTES.update({heading: {"id"} for heading in HEADINGS})
ATTRIBUTES["table"] = ATTRIBUTES.get("table", set()) | {"border"}
ATTRIBUTES["details"] = {"open"}
# CSS properties an answer may set inline; none of them can place content over the page (position,
# z-index) or load anything (background-image, url()).
STYLE_PROPERTIES = {
    "color", "background-color", "font-weight", "font-style", "font-size", "font-family", "text-align",
    "text-decoration", "vertical-align", "white-space", "width", "height", "max-width", "min-width",
    "border", "border-collapse", "border-color", "border-style", "border-width", "padding", "margin",
}
URL_SCHEMES = {"http", "https", "mailto", "data"}
# data: URLs are kept only as image sources, and only for raster images and SVG (an <img> runs no script)
DATA_IMAGE = re.compile(r"\s*data:image/(png|jpeg|gif|webp|bmp|svg\+xml)[;,]", re.IGNORECASE)
# Dropped with their content (nh3 keeps the text of other disallowed tags).
CLEAN_CONTENT_TAGS = {"script", "style", "iframe", "noscript", "template", "textarea", "select", "object",
                      "noembed", "noframes", "xmp", "title"}
# Output types rendered as live code or unescaped markup by nbconvert's templates or the widget manager.
ACTIVE_OUTPUT_TYPES = ("application/javascript", "application/vnd.jupyter.widget-view+json",
                       "application/vnd.jupyter.widget-state+json", "text/vnd.mermaid")


# A style value that loads or computes something (url(), IE's expression(), CSS escapes that could spell them).
ACTIVE_STYLE = re.compile(r"url\s*\(|expression|javascript:|\\|@import", re.IGNORECASE)


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    """nh3's attribute filter: a data: URL only as the source of an image; no style that loads or computes."""
    if value.lstrip()[:5].lower() == "data:" and not (tag == "img" and attribute == "src" and DATA_IMAGE.match(value)):
        return None
    if attribute == "style" and ACTIVE_STYLE.search(value):
        return None
    return value


CLEANER = nh3.Cleaner(tags=TAGS, clean_content_tags=CLEAN_CONTENT_TAGS, attributes=ATTRIBUTES,
                      attribute_filter=_keep_attribute, url_schemes=URL_SCHEMES,
                      filter_style_properties=STYLE_PROPERTIES)


def clean(html: str | bytes) -> str:
    """HTML with everything that could run or load code removed, the rest kept.

    Args:
        html: an HTML fragment written by a student or a TA (or rendered from their Markdown).

    Returns:
        The fragment as the allowlist above permits it.
    """
    return CLEANER.clean(html.decode("utf-8") if isinstance(html, bytes) else str(html))


def inert_copy(nb: NotebookNode) -> NotebookNode:
    """A copy of the notebook without widget state and without the output types listed in
    ACTIVE_OUTPUT_TYPES (an output keeps its other representations, e.g. text/plain)."""
    copy = NotebookNode(nb.copy())
    copy.metadata = NotebookNode({key: value for key, value in nb.metadata.items() if key != "widgets"})
    cells = []
    for cell in nb.cells:
        if cell.get("outputs"):
            cell = NotebookNode(cell.copy())
            cell.outputs = [_without_active_data(output) for output in cell.outputs]
        cells.append(cell)
    copy.cells = cells
    return copy


def _without_active_data(output: NotebookNode) -> NotebookNode:
    if not any(kind in output.get("data", {}) for kind in ACTIVE_OUTPUT_TYPES):
        return output
    output = NotebookNode(output.copy())
    output.data = NotebookNode({kind: value for kind, value in output.data.items() if kind not in ACTIVE_OUTPUT_TYPES})
    return output


@pass_context
class SanitizedMarkdown(LoggingConfigurable):
    """A `markdown2html` filter for an HTMLExporter the kit does not create (nbgrader's Formgrader builds
    a plain HTMLExporter from the config): the exporter's own Markdown rendering, then clean().

    Set it through the exporter's public `filters` trait, with `sanitize_html` on, e.g.
    `c.HTMLExporter.filters = {"markdown2html": SanitizedMarkdown, "clean_html": clean}`;
    nbconvert constructs it with the exporter as its parent.
    """

    def __call__(self, context: Any, source: str) -> str:
        """Render Markdown as the parent exporter does (math, attachments, anchors) and sanitise it."""
        return clean(self.parent.markdown2html(context, source))


class SafeHTMLExporter(HTMLExporter):
    """nbconvert's HTMLExporter whose Markdown, outputs and raw cells are sanitised with clean().

    Used by `nbgrader generate_feedback` (`GenerateFeedback.exporter_class` in nbgrader_config.py) and
    by the student's lab report (gradekit.feedback.report).
    """

    sanitize_html = Bool(
        True, help="Pass cell outputs and raw cells through clean_html and leave JavaScript outputs out."
    ).tag(config=True)

    @pass_context
    def markdown2html(self, context: Any, source: str) -> str:
        """nbconvert's Markdown rendering (math, attachments, anchors), then clean()."""
        return clean(super().markdown2html(context, source))

    def default_filters(self):
        """nbconvert's filters, with clean() as `clean_html`."""
        yield from super().default_filters()
        yield ("clean_html", clean)

    def from_notebook_node(self, nb: NotebookNode, resources: dict | None = None, **kw: Any):
        """Render the notebook without widget state and active outputs (see inert_copy)."""
        return super().from_notebook_node(inert_copy(nb), resources, **kw)
