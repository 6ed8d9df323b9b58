r"""Run the examples of the docs' pages and check (or write) the output they show.

Every command and output a tutorial shows is real: this script runs them. In
each page, in order:

- a ```` ```yaml title="NAME" ```` block is written to the file ``NAME``;
- a ```` ```console ```` block holds commands (lines starting with ``$ ``, a
  trailing ``\`` continues a command) each followed by its output; each
  command runs in ``bash`` and its output (stdout and stderr) is compared
  with the one shown;
- a ```` ```pycon ```` block holds Python statements (``>>> ``, ``... ``)
  each followed by what the interactive interpreter prints; the statements of
  a page share one namespace.

Each page runs in a fresh temporary folder that holds a link ``tests`` to the
repository's tests (for ``tests/data/synthetic``), with ``evhub`` on the
``PATH`` running this checkout's evhub (``python -m evhub``); the outputs show
that folder as :data:`CLONE`. Run ids, times and durations are masked before
comparing, so a rerun matches.

Usage::

    python scripts/tutorials.py [--write] [--jobs N] [PAGE.md ...]

Without pages it takes every page of :data:`PAGES`. It prints a diff for each
output that differs and exits 1; with ``--write`` it writes the new outputs
into the pages instead. The pages run side by side in ``N`` processes (default:
the machine's CPUs), each in its own folder; their reports come in page order.
"""

from __future__ import annotations

import code
import contextlib
import difflib
import io
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
#: The pages whose examples run, in the order of the site.
PAGES = (
    "getting-started.md",
    "tutorials/custom-scenario.md",
    "tutorials/ensemble.md",
    "tutorials/goal-seek.md",
    "tutorials/sensitivity.md",
    "tutorials/new-country.md",
)
#: The working folder as the pages show it: a clone of the repository in the home folder.
CLONE = "~/evhub"
#: The longest a command may run [s].
TIMEOUT = 900

_FENCE = re.compile(r"^```(?P<lang>[a-z]+)(?P<attrs>[^\n]*)\n(?P<body>.*?)^```$", re.M | re.S)
_TITLE = re.compile(r'title="(?P<title>[^"]+)"')
#: What differs from run to run: run ids, times of day, durations.
_MASKS = (
    (re.compile(r"\b\d{8}T\d{6}Z-[0-9a-f]{8}\b"), "<run-id>"),
    (re.compile(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?"), "<time>"),
    (re.compile(r"\b\d+(\.\d+)? ?(s|ms|seconds)\b(?= |\)|$|,)", re.M), "<duration>"),
)


@dataclass
class Example:
    """One command or statement of a page, the output shown, and where it is."""

    source: str
    shown: str
    start: int  # offset of the shown output in the page
    end: int
    kind: str  # console or pycon
    actual: str = ""


@dataclass
class Page:
    """A page's blocks, in order: files to write and examples to run."""

    path: Path
    text: str
    steps: list[tuple[str, object]] = field(default_factory=list)


def parse(path: Path) -> Page:
    """The files and examples of a page, in order."""
    text = path.read_text(encoding="utf-8")
    page = Page(path, text)
    for fence in _FENCE.finditer(text):
        lang, attrs, body = fence["lang"], fence["attrs"], fence["body"]
        offset = fence.start("body")
        title = _TITLE.search(attrs)
        if lang == "yaml" and title:
            page.steps.append(("file", (title["title"], body)))
        elif lang == "console":
            page.steps += [("run", e) for e in _examples(body, offset, "$ ", "> ", "console")]
        elif lang == "pycon":
            page.steps += [("run", e) for e in _examples(body, offset, ">>> ", "... ", "pycon")]
    return page


def _examples(body: str, offset: int, prompt: str, more: str, kind: str) -> list[Example]:
    """Split a block into examples: the prompt's lines, then the output up to the next prompt."""
    lines = body.splitlines(keepends=True)
    out: list[Example] = []
    i, pos = 0, offset
    while i < len(lines):
        if not lines[i].startswith(prompt):
            msg = f"expected a line starting with {prompt!r}, got {lines[i]!r}"
            raise ValueError(msg)
        source = [lines[i][len(prompt) :]]
        pos += len(lines[i])
        i += 1
        while i < len(lines) and (
            lines[i].startswith(more) or (kind == "console" and source[-1].endswith("\\\n"))
        ):
            line = lines[i]
            source.append(line[len(more) :] if line.startswith(more) else line)
            pos += len(line)
            i += 1
        start = pos
        while i < len(lines) and not lines[i].startswith(prompt):
            pos += len(lines[i])
            i += 1
        out.append(Example("".join(source), body[start - offset : pos - offset], start, pos, kind))
    return out


def _environment(folder: Path) -> dict[str, str]:
    """The environment of the commands: this checkout's evhub first on the PATH."""
    bin_dir = folder / ".bin"
    bin_dir.mkdir()
    shim = bin_dir / "evhub"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m evhub "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    env = dict(os.environ)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT / "src"), env.get("PYTHONPATH", "")) if p
    )
    env.pop("COLUMNS", None)  # the command line's tables are 140 wide when piped
    return env


def run(page: Page) -> list[Example]:
    """Run a page's examples in a fresh folder; fill in each one's actual output."""
    examples: list[Example] = []
    with tempfile.TemporaryDirectory(prefix="evhub-tutorial-") as tmp:
        folder = Path(tmp)
        (folder / "tests").symlink_to(ROOT / "tests")
        env = _environment(folder)
        console = code.InteractiveInterpreter(locals={"__name__": "__main__"})
        cwd = Path.cwd()
        os.chdir(folder)
        try:
            for kind, step in page.steps:
                if kind == "file":
                    name, body = step  # type: ignore[misc]
                    (folder / name).write_text(body, encoding="utf-8")
                    continue
                example: Example = step  # type: ignore[assignment]
                if example.kind == "console":
                    done = subprocess.run(
                        ["bash", "-c", example.source],
                        cwd=folder,
                        env=env,
                        stdout=subprocess.PIPE,
                        stderr=subprocess.STDOUT,  # in the order a terminal shows them
                        text=True,
                        timeout=TIMEOUT,
                        check=False,
                    )
                    example.actual = done.stdout
                else:
                    example.actual = _python(console, example.source)
                # the folder as a clone in the home folder would show it
                example.actual = example.actual.replace(str(folder), CLONE)
                examples.append(example)
        finally:
            os.chdir(cwd)
    return examples


def _python(console: code.InteractiveInterpreter, source: str) -> str:
    """What the interactive interpreter prints for one statement."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
        compiled = code.compile_command(source, "<tutorial>", "single")
        if compiled is None:
            msg = f"incomplete statement: {source!r}"
            raise ValueError(msg)
        console.runcode(compiled)
    return buffer.getvalue()


def mask(text: str) -> str:
    """The output with run ids, times and durations masked, trailing blanks dropped."""
    for pattern, replacement in _MASKS:
        text = pattern.sub(replacement, text)
    return "\n".join(line.rstrip() for line in text.splitlines()).strip("\n")


def _shown_form(actual: str) -> str:
    """The output as a page shows it: lines without trailing blanks, ending in a newline."""
    lines = [line.rstrip() for line in actual.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return "".join(f"{line}\n" for line in lines)


def _options(argv: list[str]) -> tuple[bool, int, list[str]]:
    """``--write``, the number of ``--jobs`` and the pages named."""
    rest = list(argv)
    write = "--write" in rest
    rest = [a for a in rest if a != "--write"]
    jobs = os.cpu_count() or 1
    if "--jobs" in rest:
        at = rest.index("--jobs")
        jobs = int(rest[at + 1])
        del rest[at : at + 2]
    return write, max(jobs, 1), rest or list(PAGES)


def main(argv: list[str]) -> int:
    """Check (or with ``--write`` write) the outputs of the pages; 1 if one differs."""
    write, jobs, names = _options(argv)
    failed = 0
    pages = [parse(DOCS / name) for name in names]
    with ProcessPoolExecutor(max_workers=min(jobs, len(pages))) as pool:
        ran = list(pool.map(run, pages))
    for name, page, examples in zip(names, pages, ran, strict=True):
        path = page.path
        text = page.text
        for example in sorted(examples, key=lambda e: e.start, reverse=True):
            if mask(example.actual) == mask(example.shown):
                continue
            failed += 1
            if write:
                text = text[: example.start] + _shown_form(example.actual) + text[example.end :]
                continue
            diff = difflib.unified_diff(
                mask(example.shown).splitlines(),
                mask(example.actual).splitlines(),
                "shown",
                "actual",
                lineterm="",
            )
            sys.stdout.write(f"{name}: {example.source.strip()}\n" + "\n".join(diff) + "\n\n")
        if write and text != page.text:
            path.write_text(text, encoding="utf-8")
    verb = "written" if write else "differ"
    sys.stdout.write(f"{failed} outputs {verb}\n")
    return 1 if failed and not write else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
