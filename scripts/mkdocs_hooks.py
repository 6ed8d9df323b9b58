r"""MkDocs hooks of the docs site (``hooks:`` in ``mkdocs.yml``): formulas as MathML, offline.

``pymdownx.arithmatex`` (generic mode) wraps each formula of the Markdown,
``$...$`` or ``$$...$$``, in ``<span class="arithmatex">\(...\)</span>`` (or a
``div`` with ``\[...\]``), which a JavaScript library would typeset in the
browser. The site loads no script from the network, so this hook converts each
formula to MathML when the site is built (latex2mathml), which browsers draw
natively. A formula latex2mathml cannot convert fails the build, naming the
page and the formula.

The docstrings the API pages show cross-reference in Sphinx's roles
(``:func:`evhub.run.run```), which Markdown leaves as text: the role is dropped and
the name kept as code (``~a.b.c``, Sphinx's short form, as ``c``).
"""

from __future__ import annotations

import html
import re
from typing import Any

from latex2mathml.converter import convert

_FORMULA = re.compile(
    r'<(?P<tag>span|div) class="arithmatex">'
    r"(?:\\\((?P<inline>.*?)\\\)|\\\[(?P<block>.*?)\\\])"
    r"</(?P=tag)>",
    re.DOTALL,
)


#: A Sphinx role before a name in code, as Markdown renders ``:func:`name```.
_ROLE = re.compile(
    r":(?:py:)?(?:func|meth|class|mod|attr|data|obj|exc|const|term):<code>(?P<short>~)?(?P<name>[^<]*)</code>"
)


def _name(match: re.Match[str]) -> str:
    name = match["name"].rsplit(".", 1)[-1] if match["short"] else match["name"]
    return f"<code>{name}</code>"


def on_page_content(html_text: str, page: Any, **kwargs: Any) -> str:
    """Replace each formula of a page's HTML by its MathML, and drop Sphinx's roles."""

    def mathml(match: re.Match[str]) -> str:
        block = match["block"] is not None
        tex = html.unescape(match["block"] if block else match["inline"])
        try:
            return str(convert(tex, display="block" if block else "inline"))
        except Exception as error:
            msg = f"{page.file.src_path}: formula {tex!r}: {error}"
            raise ValueError(msg) from error

    return _ROLE.sub(_name, _FORMULA.sub(mathml, html_text))
