"""The gate every text input passes: UTF-8, size, YAML structure and numbers.

Scenario files, ``dataset.yaml``, ``sources.yaml``, ``--set`` values and the
dashboard's parameter box are all read here, so one set of checks applies to
every way in:

- text is UTF-8 (a byte-order mark is fine), has no NUL bytes and is no larger
  than a cap;
- a YAML document is composed into its node graph *before* it is built into
  Python objects, so an alias bomb ("billion laughs"), a self-referencing
  alias or very deep nesting is refused from the node graph, in well under a
  second, before anything expands;
- a mapping may not give the same key twice;
- every number is finite and of sane length (no ``.inf``, ``.nan``, ``1e400``
  or a 5,000-digit integer).

Every problem is an :class:`~evhub.errors.InputError` naming the file (or the
option), the key and the value.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from evhub.errors import InputError

__all__ = [
    "MAX_DEPTH",
    "MAX_NODES",
    "MAX_TEXT_BYTES",
    "check_finite",
    "load_yaml_text",
    "read_text",
    "read_yaml",
]

#: Largest text file evhub reads [bytes]; a scenario is a few kB, a bibliography a few 100 kB.
MAX_TEXT_BYTES = 10 * 2**20
#: Most nodes a YAML document may hold once its aliases are expanded.
MAX_NODES = 200_000
#: Deepest nesting of mappings and lists a YAML document may have.
MAX_DEPTH = 40
#: Longest number literal (digits and signs) accepted; float64 holds 17 significant digits.
MAX_NUMBER_CHARS = 40

_BOM = b"\xef\xbb\xbf"
_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"


def read_text(path: Path, *, max_bytes: int = MAX_TEXT_BYTES, what: str = "file") -> str:
    """Read a text file as UTF-8 (a byte-order mark is dropped).

    Raises
    ------
    InputError
        If the file is missing, a folder, larger than ``max_bytes``, not UTF-8
        or binary (has NUL bytes).
    """
    if not path.exists():
        msg = f"{path}: {what} not found"
        raise InputError(msg)
    if not path.is_file():
        msg = f"{path}: is not a file"
        raise InputError(msg)
    size = path.stat().st_size
    if size > max_bytes:
        msg = (
            f"{path}: {what} is {size:,} bytes, more than the {max_bytes:,} bytes evhub reads; "
            "is it the right file?"
        )
        raise InputError(msg)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        msg = f"{path}: cannot be read ({exc.strerror or exc})"
        raise InputError(msg) from None
    return decode(raw, str(path))


def decode(raw: bytes, where: str) -> str:
    """Bytes -> text, as UTF-8 with an optional byte-order mark (see :func:`read_text`)."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        msg = f"{where}: the file is UTF-16 text; save it as UTF-8"
        raise InputError(msg)
    raw = raw.removeprefix(_BOM)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        byte = raw[exc.start : exc.start + 1].hex()
        msg = (
            f"{where}: line {line}: byte 0x{byte} is not UTF-8 text; save the file as UTF-8 "
            "(a Latin-1 or Windows-1254 file must be converted)"
        )
        raise InputError(msg) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        msg = f"{where}: line {line}: a NUL byte: this is a binary file, not text"
        raise InputError(msg)
    return text


def read_yaml(path: Path, *, max_bytes: int = MAX_TEXT_BYTES) -> Any:
    """Read one YAML document from a file through the gate (see the module docstring)."""
    return load_yaml_text(read_text(path, max_bytes=max_bytes), str(path))


class _Loader(yaml.SafeLoader):
    """A safe loader that counts nesting while composing and refuses duplicate keys."""

    def __init__(self, stream: str, where: str) -> None:
        super().__init__(stream)
        self.where = where
        self.depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        if self.check_event(yaml.AliasEvent):
            return Composer.compose_node(self, parent, index)
        self.depth += 1
        if self.depth > MAX_DEPTH:
            mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
            msg = (
                f"{self.where}: line {mark.line + 1}: nested more than {MAX_DEPTH} levels deep; "
                "a scenario is a few levels of mappings"
            )
            raise InputError(msg)
        try:
            return Composer.compose_node(self, parent, index)
        finally:
            self.depth -= 1

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.get(key)
            except TypeError:
                continue  # unhashable: reported by the base class
            line = key_node.start_mark.line + 1
            if first is not None:
                msg = (
                    f"{self.where}: line {line}: key {key!r} is given twice (first on line "
                    f"{first}); which value is meant?"
                )
                raise InputError(msg)
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


def _scalar_number(node: ScalarNode, where: str, key: str) -> None:
    """Refuse an over-long or non-finite number literal before it is built."""
    if node.tag not in (_INT_TAG, _FLOAT_TAG):
        return
    text = str(node.value)
    line = node.start_mark.line + 1
    if len(text) > MAX_NUMBER_CHARS:
        shown = f"{text[:12]}... ({len(text):,} characters)"
        msg = f"{where}: line {line}: {key}{shown} is too long a number for any input"
        raise InputError(msg)
    lowered = text.lower()
    if node.tag == _FLOAT_TAG and ("inf" in lowered or "nan" in lowered):
        msg = f"{where}: line {line}: {key}{text} is not a finite number"
        raise InputError(msg)


def _check_graph(root: Node, where: str) -> None:
    """Count the nodes of the expanded document and find alias cycles, without expanding."""
    sizes: dict[int, int] = {}
    active: set[int] = set()
    # iterative post-order walk: aliases share nodes, so each node is sized once
    stack: list[tuple[Node, bool, str]] = [(root, False, "")]
    while stack:
        node, done, key = stack.pop()
        ident = id(node)
        if done:
            active.discard(ident)
            if isinstance(node, MappingNode):
                children = [n for pair in node.value for n in pair]
            else:
                children = list(node.value)
            total = 1 + sum(sizes[id(child)] for child in children)
            sizes[ident] = total
            if total > MAX_NODES:
                line = node.start_mark.line + 1
                msg = (
                    f"{where}: line {line}: the document expands to more than {MAX_NODES:,} "
                    "values (aliases repeated inside aliases?); refused before expanding it"
                )
                raise InputError(msg)
            continue
        if ident in sizes:
            continue
        if isinstance(node, ScalarNode):
            _scalar_number(node, where, key)
            sizes[ident] = 1
            continue
        if ident in active:
            line = node.start_mark.line + 1
            msg = f"{where}: line {line}: an alias refers to the mapping or list that holds it"
            raise InputError(msg)
        active.add(ident)
        stack.append((node, True, key))
        if isinstance(node, MappingNode):
            for key_node, value_node in node.value:
                label = key.removesuffix(" = ")
                if isinstance(key_node, ScalarNode):
                    label = f"{label}.{key_node.value}" if label else str(key_node.value)
                stack.append((key_node, False, ""))
                stack.append((value_node, False, f"{label} = " if label else ""))
        elif isinstance(node, SequenceNode):
            stack.extend((child, False, key) for child in node.value)


def load_yaml_text(text: str, where: str) -> Any:
    """Parse one YAML document through the gate; ``where`` names it in messages.

    Raises
    ------
    InputError
        For malformed YAML, more than one document, duplicate keys, a document
        that expands too far or nests too deep, a self-referencing alias, or a
        number that is not finite or is far too long.
    """
    if len(text.encode("utf-8", "surrogatepass")) > MAX_TEXT_BYTES:
        msg = f"{where}: more than {MAX_TEXT_BYTES:,} bytes of YAML"
        raise InputError(msg)
    try:
        loader = _Loader(text, where)
    except yaml.YAMLError as exc:  # a character YAML does not allow (checked up front)
        msg = f"{where}: not YAML text: {str(exc).splitlines()[0]}"
        raise InputError(msg) from None
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_graph(node, where)
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        msg = f"{where}: malformed YAML{at}: {problem}"
        raise InputError(msg) from None
    except RecursionError:  # pragma: no cover - MAX_DEPTH stops nesting long before
        msg = f"{where}: nested too deeply"
        raise InputError(msg) from None
    finally:
        loader.dispose()


def check_finite(value: Any, where: str) -> None:
    """Refuse a non-finite number anywhere in a nested value (from Python callers).

    ``where`` is the option or path shown in the message.
    """
    if isinstance(value, bool):
        return
    if isinstance(value, float) and not math.isfinite(value):
        msg = f"{where} = {value!r}: not a finite number"
        raise InputError(msg)
    if isinstance(value, int) and value.bit_length() > 64:
        bits = value.bit_length()
        msg = f"{where}: an integer of {bits:,} bits is too large a number for any input"
        raise InputError(msg)
    if isinstance(value, dict):
        for key, item in value.items():
            check_finite(item, f"{where}.{key}")
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            check_finite(item, f"{where}[{i}]")
