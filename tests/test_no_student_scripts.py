"""No script a student or a TA writes runs in the lab report or in the feedback (issue 23).

Every payload records its name in `top.pwnedBy` when it runs. The pages are opened
in Chromium (Playwright, network refused), the payload links are clicked, and the
test asserts that nothing ran and that no active markup is left in the page, while
the answer's legitimate Markdown (table, formula, images, links) still renders.
The same payloads are first shown to run in nbconvert's stock rendering, so the
detector is known to work.
"""
import re
import shutil

import nbformat
import pytest
from nbconvert import HTMLExporter
from nbformat.v4 import new_code_cell, new_output
from nbgrader.api import Gradebook

from gradekit.course import REPO_ROOT, run_nbgrader
from gradekit.feedback.report import write_report
from gradekit.feedback.sanitize import clean
from gradekit.settings import load_course
from test_student_report import PIXEL, synthetic_notebook
from tiny_course import TINY, tiny_course

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright


def run(name):
    """JavaScript that records `name` as a payload that ran."""
    return f"top.pwnedBy=(top.pwnedBy||[]).concat('{name}')"  # no underscore: TeX reads it as a subscript


def payloads(where):
    """name -> raw HTML (or Markdown) as a student or a TA would type it; each records "where:name" when it runs."""
    def js(name):
        return run(f"{where}:{name}")
    return {
        "img_onerror": f'<img src="no-such-picture.png" onerror="{js("img_onerror")}">',
        "svg_onload": f'<svg onload="{js("svg_onload")}"><circle r="4"></circle></svg>',
        "details_ontoggle": f'<details open ontoggle="{js("details_ontoggle")}"><summary>итог</summary>текст</details>',
        "body_onload": f'<body onload="{js("body_onload")}">',
        "iframe_srcdoc": f'<iframe srcdoc="<script>{js("iframe_srcdoc")}</script>"></iframe>',
        "script": f"<script>{js('script')}</script>",
        "style_expression": (f"<style>p {{ color: expression({js('style_expression')}); }}</style>"
                             f'<p style="width: expression({js("style_expression")}); '
                             'background-image: url(javascript:void(0)); position: fixed">стиль</p>'),
        "meta_refresh": '<meta http-equiv="refresh" content="1; url=data:text/html,<b>moved</b>">',
        "form_action": f'<form action="javascript:{js("form_action")}"><button>Отправить</button></form>',
        "object_embed": ('<object data="data:text/html,<script>parent.__pwned=1</script>"></object>'
                         '<embed src="data:text/html,<script>parent.__pwned=1</script>">'),
        "input_autofocus": f'<input autofocus onfocus="{js("input_autofocus")}">',
        "a_javascript": f'<a href="javascript:{js("a_javascript")}">ссылка-js</a>',
        "a_data": '<a href="data:text/html,<script>alert(1)</script>">ссылка-data</a>',
        "markdown_link": f"[ссылка-md](javascript:{js('markdown_link')})",
        "tex_href": f"$\\href{{javascript:{js('tex_href')}}}{{формула-ссылка}}$",  # a link made by MathJax
    }


LINK_TEXTS = ("ссылка-js", "ссылка-data", "ссылка-md", "Отправить", "формула-ссылка")
# What runs in stock nbconvert's rendering (the "img onerror, iframe srcdoc, details ontoggle" and more).
RUN_BY_STOCK = {"img_onerror", "svg_onload", "details_ontoggle", "body_onload", "iframe_srcdoc", "script",
                "form_action", "input_autofocus", "a_javascript", "markdown_link"}


# A page honours only its first <body onload> and its first autofocus.
ONCE_PER_PAGE = {"body_onload", "input_autofocus"}


def ran_in(*places):
    """The "where:name" entries stock rendering records for payloads written in each of the places."""
    return {f"{where}:{name}" for where in places for name in RUN_BY_STOCK - ONCE_PER_PAGE}


def ran_once_per_page(ran):
    return all(any(entry.endswith(f":{name}") for entry in ran) for name in ONCE_PER_PAGE)


# A legitimate answer: Markdown table, formula, images (raw HTML and Markdown), a link, code.
LEGIT = f"""### Мой ответ

| слой | параметры |
|---|---|
| Dense | 7850 |

Потери: $L = -\\frac{{1}}{{N}}\\sum_i \\log p_i < 1$, веса $\\boldsymbol{{W}}$.

<img src="data:image/png;base64,{PIXEL}" alt="график-html" width="20">

![график-md](data:image/png;base64,{PIXEL})

Источник: [документация numpy](https://numpy.org/doc/) и <b>жирный</b> текст, <span style="color: #c62828">красный</span>.

```python
x = np.zeros(3)
```
"""


def hostile_markdown(where):
    """The legitimate answer followed by every payload, each in its own paragraph."""
    return LEGIT + "\n\n" + "\n\n".join(payloads(where).values()) + "\n"


@pytest.fixture(scope="module")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.skip("Chromium is not installed")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


# Everything on the page that could run or navigate: event-handler attributes, frames, forms,
# javascript:/data:text links, scripts holding a payload. MathJax's own SVG formulas are no finding.
AUDIT = """() => {
  const found = [];
  for (const element of document.querySelectorAll('body *')) {
    // formulas typeset by MathJax (SVG) and its glyph cache
    if (element.closest('mjx-container, #MJX-SVG-global-cache')) continue;
    for (const attribute of element.attributes) {
      const value = attribute.value.trim().toLowerCase();
      if (attribute.name.startsWith('on')) found.push(element.tagName + ' ' + attribute.name);
      if (['href', 'src', 'action', 'formaction', 'data', 'srcdoc'].includes(attribute.name)
          && (value.startsWith('javascript:') || (value.startsWith('data:') && !value.startsWith('data:image/'))
              || attribute.name === 'srcdoc'))
        found.push(element.tagName + ' ' + attribute.name + '=' + value.slice(0, 40));
    }
    if (['IFRAME', 'OBJECT', 'EMBED', 'FORM', 'META', 'BASE', 'SVG', 'STYLE'].includes(element.tagName.toUpperCase()))
      found.push(element.tagName);
    if (element.tagName === 'SCRIPT' && element.textContent.includes('pwnedBy')) found.push('SCRIPT');
  }
  return found;
}"""


def open_offline(browser, path):
    """The page at path with every network request refused, after its payload links were clicked.

    Returns:
        (page, names of the payloads that ran).
    """
    context = browser.new_context()
    context.route(re.compile(r"^https?://"), lambda route: route.abort())
    page = context.new_page()
    page.goto(path.resolve().as_uri())
    page.wait_for_load_state("load")
    page.wait_for_timeout(1500)  # a meta refresh (1 s) would have fired by now
    for text in LINK_TEXTS:
        for element in page.get_by_text(text, exact=True).all():
            try:
                element.click(timeout=2000, no_wait_after=True)
            except Exception:  # an invisible or detached element is no link to follow
                continue
            page.wait_for_timeout(200)
    return page, page.evaluate("() => top.pwnedBy || []")


def assert_inert(page, ran, path):
    assert ran == [], f"student/TA script ran: {ran}"
    assert page.url == path.resolve().as_uri(), "the page navigated away"
    assert page.evaluate(AUDIT) == []


def assert_legit_content_kept(page, at_least=1, inline_html=True):
    """The legitimate answer is still there: table, both images (loaded), the link, inline HTML.

    With nbconvert's embed_images (the report), inline HTML tags come out empty before any sanitising
    (nbconvert issue #2020: `<b>x</b>` becomes `<b></b>x`); only their text is checked then.
    """
    cells = page.locator("td", has_text="7850")
    assert cells.count() >= at_least
    for alt in ("график-html", "график-md"):
        images = page.locator(f'img[alt="{alt}"]')
        assert images.count() >= at_least, alt
        assert images.first.evaluate("image => image.complete && image.naturalWidth === 1"), alt
    assert page.locator('a[href="https://numpy.org/doc/"]').count() >= at_least
    if not inline_html:
        assert page.get_by_text("жирный текст, красный").count() >= at_least
        return
    assert page.locator("b", has_text="жирный").count() >= at_least
    assert page.locator("span[style]", has_text="красный").first.evaluate("e => getComputedStyle(e).color") == \
        "rgb(198, 40, 40)"


def test_clean_keeps_markup_and_drops_active_content():
    kept = clean('<h2 id="a">Т</h2><table border="1" class="dataframe"><tr><td colspan="2">1</td></tr></table>'
                 f'<img src="data:image/png;base64,{PIXEL}" alt="p"><a href="https://e.org/x">e</a>'
                 '<p style="color: red; position: fixed">c</p><details open><summary>s</summary></details>')
    for markup in ('<h2 id="a">', '<table border="1" class="dataframe">', '<td colspan="2">', 'alt="p"',
                   f'src="data:image/png;base64,{PIXEL}"', 'href="https://e.org/x"', '<p style="color:red">',
                   "<details open", "<summary>"):
        assert markup in kept
    html_payloads = [payload for name, payload in payloads("clean").items() if name not in ("markdown_link", "tex_href")]
    dropped = clean("".join(html_payloads) + '<a href=" JaVaScRiPt&#x3a;alert(1)">x</a>'
                    '<img src="data:text/html;base64,PHNjcmlwdD4=">' + '<base href="https://evil.example/">'
                    '<link rel="stylesheet" href="https://evil.example/x.css">').lower()
    assert not re.search(r"\son\w+\s*=", dropped)
    for active in ("javascript", "data:text", "<script", "<style", "<iframe", "<svg", "<form", "<object",
                   "<embed", "<meta", "<base", "<link", "<input", "expression", "position", "url("):
        assert active not in dropped, active


# --- the student's lab report -----------------------------------------------------------


# An HTML widget whose value is a payload: the widget manager (loaded from a CDN) would render it unsanitised.
WIDGET_STATE = {"application/vnd.jupyter.widget-state+json": {"state": {"m1": {
    "model_name": "HTMLModel", "model_module": "@jupyter-widgets/controls", "model_module_version": "2.0.0",
    "state": {"value": payloads("widget")["img_onerror"]}}}, "version_major": 2,
    "version_minor": 0}}


def hostile_report_notebook():
    """The report notebook with the payloads in a written answer, in the student's name and in outputs
    (text/html, text/markdown, JavaScript, Mermaid, a widget with its state)."""
    name = payloads("name")["img_onerror"]
    notebook = synthetic_notebook(student=f"**Студент:** Иванова {name}\n\n**Группа:** М-101")
    answer = next(cell for cell in notebook.cells if cell.cell_type == "markdown"
                  and cell.metadata.get("nbgrader", {}).get("grade"))
    answer.source = hostile_markdown("answer")
    shown = new_code_cell("display(HTML(payloads))")
    shown.outputs = [
        new_output("display_data", data={"text/html": "".join(payloads("html").values()), "text/plain": "<HTML>"}),
        new_output("display_data", data={"text/markdown": hostile_markdown("markdown"), "text/plain": "<Markdown>"}),
        new_output("display_data", data={"application/javascript": run("javascript"), "text/plain": "<Javascript>"}),
        new_output("display_data", data={"text/vnd.mermaid": payloads("mermaid")["img_onerror"],
                                         "text/plain": "<Mermaid>"}),
        new_output("display_data", data={"application/vnd.jupyter.widget-view+json": {
            "model_id": "m1", "version_major": 2, "version_minor": 0}, "text/plain": "HTML(value='...')"}),
    ]
    notebook.cells.append(shown)
    notebook.metadata["widgets"] = WIDGET_STATE
    return notebook


def test_the_payloads_run_in_stock_nbconvert(browser, tmp_path):
    """Control: without the kit's sanitising the same notebook runs the payloads (the detector works)."""
    path = tmp_path / "stock.html"
    path.write_text(HTMLExporter().from_notebook_node(hostile_report_notebook())[0], encoding="utf-8")
    _, ran = open_offline(browser, path)
    # every payload in the answer; at least the image's onerror in every other place (a Markdown link is
    # no link in an HTML output), the JavaScript output
    assert ran_in("answer") <= set(ran) and ran_once_per_page(ran)
    assert {"name:img_onerror", "html:img_onerror", "markdown:img_onerror", "mermaid:img_onerror",
            "javascript"} <= set(ran)


def test_report_runs_no_student_script_and_keeps_the_answer(browser, tmp_path):
    path = tmp_path / "lab.ipynb"
    nbformat.write(hostile_report_notebook(), path)
    [html_path] = write_report(path, tmp_path / "out", log=lambda message: None)
    page, ran = open_offline(browser, html_path)
    assert_inert(page, ran, html_path)
    assert "widget-state" not in html_path.read_text(encoding="utf-8")
    assert_legit_content_kept(page, inline_html=False)
    # every formula is typeset by the report's offline MathJax, also one using an extension (\boldsymbol,
    # which stopped them all while MathJax tried to load it); no formula makes a link (\href)
    assert page.locator("mjx-container").count() >= 3
    assert page.get_by_text("boldsymbol").count() == 0 and page.get_by_text("$L = ").count() == 0
    assert page.locator("mjx-container a, mjx-container [href]").count() == 0
    # the kit's own verdict line keeps its colour
    assert page.locator(".nnkit-test-verdict").first.evaluate("e => getComputedStyle(e).color") == "rgb(46, 125, 50)"
    assert page.get_by_text("Студент: Иванова").count() == 1
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)


# --- nbgrader's feedback ----------------------------------------------------------------

STUDENT = "right"
SHOWS_OUTPUTS = (  # the student's solution cell also displays the payloads when it runs
    "from IPython.display import HTML, Javascript, Markdown, display\n"
    f"display(HTML({''.join(payloads('html').values())!r}))\n"
    f"display(Markdown({hostile_markdown('markdown')!r}))\n"
    f"display(Javascript({run('javascript')!r}))\n"
    f"display({{'text/vnd.mermaid': {payloads('mermaid')['img_onerror']!r}, 'text/plain': 'mermaid'}}, raw=True)\n"
)


@pytest.fixture(scope="module")
def feedback(tmp_path_factory):
    """Feedback of a tiny course whose student put the payloads into the written answer and the outputs,
    and whose TA put them into the comments of both answers."""
    course = tiny_course(tmp_path_factory.mktemp("sanitize") / "course", (STUDENT,), sleep_seconds=0)
    submitted = course / "submitted" / STUDENT / TINY / f"{TINY}.ipynb"
    notebook = nbformat.read(submitted, as_version=4)
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id == "square":
            cell.source = SHOWS_OUTPUTS + "def square(x):\n    return x * x"
        elif grade_id == "why_positive":
            cell.source = hostile_markdown("answer")
    nbformat.write(notebook, submitted)
    run_nbgrader(["autograde", TINY, "--log-level=ERROR"], course)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for grade_id in ("why_positive", "square"):
            comment = gradebook.find_comment(grade_id, TINY, TINY, STUDENT)
            comment.manual_comment = "Комментарий проверяющего.\n\n" + hostile_markdown(f"comment_{grade_id}")
        gradebook.db.commit()
    # control: the same feedback with nbgrader's stock exporter, moved aside
    # (the course's HTMLExporter settings sanitise for the Formgrader: the control turns them off)
    run_nbgrader(["generate_feedback", TINY, "--log-level=ERROR",
                  "--GenerateFeedback.exporter_class=nbconvert.exporters.HTMLExporter",
                  "--HTMLExporter.sanitize_html=False", "--HTMLExporter.filters={}"], course)
    (course / "feedback").rename(course / "feedback_stock")
    run_nbgrader(["generate_feedback", TINY, "--log-level=ERROR"], course)
    return {name: course / folder / STUDENT / TINY / f"{TINY}.html"
            for name, folder in (("kit", "feedback"), ("stock", "feedback_stock"))}


def test_the_payloads_run_in_stock_feedback(browser, feedback):
    """Control: nbgrader's feedback as it comes runs the payloads of the answer, the outputs and the comments."""
    _, ran = open_offline(browser, feedback["stock"])
    assert ran_in("answer", "comment_why_positive", "comment_square") <= set(ran) and ran_once_per_page(ran)
    assert {"html:img_onerror", "markdown:img_onerror"} <= set(ran)


def test_feedback_runs_no_student_or_ta_script_and_keeps_the_answer(browser, feedback, tmp_path):
    path = feedback["kit"]
    assert path.read_text(encoding="utf-8").count("Комментарий проверяющего") == 2  # both TA comments are there
    page, ran = open_offline(browser, path)
    assert_inert(page, ran, path)
    # the answer and the two comments each keep their table, images and link; the formula is MathJax's text
    assert_legit_content_kept(page, at_least=3)
    assert page.get_by_text("L = -\\frac{1}{N}", exact=False).count() >= 3
    assert page.locator(".nnkit-test-verdict").first.evaluate("e => getComputedStyle(e).color") == "rgb(46, 125, 50)"
    page.screenshot(path=str(tmp_path / "feedback.png"), full_page=True)


# --- nbgrader's Formgrader (a TA's browser, logged in to Jupyter) --------------------------------


def formgrade_page(notebook, tmp_path, name, sanitised):
    """The Formgrader's view of a submission, rendered as nbgrader's FormgradeExtension does (a plain
    HTMLExporter from the config, its `formgrade` template), with or without the sanitising filters."""
    from nbgrader.server_extensions.formgrader import handlers
    from traitlets.config import Config

    # sanitised: the HTMLExporter settings of the course's own nbgrader_config.py, which the Formgrader reads
    config = load_course(REPO_ROOT).config if sanitised else Config()
    config.HTMLExporter.template_name = "formgrade"
    config.HTMLExporter.extra_template_basedirs = [handlers.template_path]
    resources = {"assignment_id": TINY, "notebook_id": TINY, "submission_id": "1", "index": 0, "total": 1,
                 "base_url": "", "student": STUDENT, "last_name": "Иванова", "first_name": "Анна",
                 "notebook_path": f"/{TINY}.ipynb"}
    path = tmp_path / f"{name}.html"
    path.write_text(HTMLExporter(config=config).from_notebook_node(notebook, resources=resources)[0],
                    encoding="utf-8")
    return path


def test_formgrader_filters_run_no_student_script(browser, tmp_path):
    """nbgrader_config.py's HTMLExporter settings (SanitizedMarkdown and clean() as its filters) make the
    Formgrader's page inert; nbgrader's stock Formgrader page runs the payloads."""
    hostile = hostile_report_notebook()
    _, ran = open_offline(browser, formgrade_page(hostile, tmp_path, "stock", sanitised=False))
    assert ran_in("answer") <= set(ran)
    # the template's own elements (its onclick handlers) are the same with a harmless notebook
    baseline, _ = open_offline(browser, formgrade_page(synthetic_notebook(), tmp_path, "plain", sanitised=True))
    path = formgrade_page(hostile, tmp_path, "kit", sanitised=True)
    page, ran = open_offline(browser, path)
    assert ran == [] and page.url == path.resolve().as_uri()
    assert page.evaluate(AUDIT) == baseline.evaluate(AUDIT)
    assert_legit_content_kept(page)
