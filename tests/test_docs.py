"""The docs site: it builds in strict mode and offline, a broken link or reference fails the
build, and the commands and outputs its pages show are real."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
#: A proxy that refuses every connection: anything the build fetches from the network fails.
NO_NETWORK = "http://127.0.0.1:9"
#: The longest a build may take [s] (about 15 s on a quiet machine with 2 cores).
BUILD_TIMEOUT = 600

pytestmark = pytest.mark.slow  # each test builds the site or runs the tutorials


def _offline() -> dict[str, str]:
    env = dict(os.environ)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        env[name] = NO_NETWORK
    env.pop("NO_PROXY", None)
    env.pop("no_proxy", None)
    env["NO_MKDOCS_2_WARNING"] = "1"
    return env


def _build(config: Path, site: Path) -> subprocess.CompletedProcess[str]:
    """``mkdocs build --strict`` of a config into ``site``, offline."""
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "-d", str(site)],
        cwd=config.parent,
        env=_offline(),
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT,
        check=False,
    )


def _nav_pages(config: Path) -> list[str]:
    """The Markdown files the nav lists."""
    return re.findall(r":\s+(\S+\.md)\s*$", config.read_text(encoding="utf-8"), re.M)


def test_the_site_builds_strictly_offline_with_every_page(tmp_path: Path) -> None:
    site = tmp_path / "site"
    result = _build(ROOT / "mkdocs.yml", site)
    assert result.returncode == 0, result.stderr
    pages = _nav_pages(ROOT / "mkdocs.yml")
    # every Markdown file of docs/ is in the nav, and each became a page
    docs = ROOT / "docs"
    assert sorted(pages) == sorted(str(p.relative_to(docs)) for p in docs.rglob("*.md"))
    for page in pages:
        folder = site / page.removesuffix(".md").removesuffix("index")
        assert (folder / "index.html").is_file(), page
    texts = {p: p.read_text(encoding="utf-8") for p in site.rglob("*.html")}
    # nothing is loaded from the network: no script, stylesheet, font or image from a host
    remote = re.compile(r"""<(script|link|img|iframe)\b[^>]*\b(src|href)=["'](https?:)?//""")
    for path, text in texts.items():
        loads = [m.group(0) for m in remote.finditer(text) if 'rel="canonical"' not in m.group(0)]
        assert loads == [], path
    for path in site.rglob("*.css"):
        assert not re.search(r"url\((['\"]?)(https?:)?//", path.read_text(encoding="utf-8")), path
    # the method's formulas are MathML, drawn by the browser without a script
    method = texts[site / "method" / "index.html"]
    assert method.count("<math") > 100
    assert 'class="arithmatex"' not in method
    # the API reference documents the verbs; the docstrings' Sphinx roles are dropped
    api = texts[site / "api" / "index.html"]
    assert 'id="evhub.api.run"' in api
    assert 'id="evhub.api.goalseek"' in api
    assert "see <code>evhub.run.run</code>" in api
    assert not [p for p, text in texts.items() if re.search(r":(func|mod|class|data):<code>", text)]


def test_a_broken_link_anchor_or_reference_fails_the_build(tmp_path: Path) -> None:
    """The same site with one broken link, one broken anchor and one missing API reference."""
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "mkdocs_hooks.py", tmp_path / "scripts")
    (tmp_path / "src").symlink_to(ROOT / "src")
    index = tmp_path / "docs" / "index.md"
    index.write_text(
        index.read_text(encoding="utf-8")
        + "\nSee [a page](no-such-page.md), [a section](method.md#no-such-section) and "
        "[a function][evhub.api.no_such_function].\n",
        encoding="utf-8",
    )
    result = _build(tmp_path / "mkdocs.yml", tmp_path / "site")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "Aborted with 3 warnings in strict mode" in output, output
    assert "'index.md' contains a link 'no-such-page.md', but the target is not found" in output
    assert "does not contain an anchor '#no-such-section'" in output
    assert "Could not find cross-reference target 'evhub.api.no_such_function'" in output


def test_every_command_and_output_of_the_pages_is_real() -> None:
    """scripts/tutorials.py runs every example again and compares its output."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "tutorials.py")],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().endswith("0 outputs differ")
