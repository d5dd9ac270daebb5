"""The checklist loader: the only place YAML enters the app.

It composes the YAML safely (no aliases, anchors, tags, duplicate keys or non-text keys; a
size and nesting limit), keeps the line and column of every key and value, validates the data
against the schema and the semantic rules, and reports every problem in a file at once as
`file:line:column: message`.

Run `python -m inspect_app.checklists.loader checklists/*.yaml` to validate files.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

import yaml
from pydantic import ValidationError
from yaml.composer import Composer
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import BaseResolver
from yaml.scanner import Scanner

from .kinds import ANSWER_KINDS, LOADER_CONTEXT_KEY, describe, kind_names
from .schema import Checklist, Path, format_path, semantic_problems

__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "ChecklistError",
    "Problem",
    "canonical_json",
    "checklist_files",
    "content_hash",
    "load_checklist",
    "load_checklists",
    "main",
    "parse_checklist",
    "validate_paths",
]

MAX_BYTES = 1_000_000
MAX_DEPTH = 20
ALIAS_MESSAGE = "aliases and anchors are not allowed"

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"

# Escapes in quoted YAML text can still produce these; a database would choke on some of them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")

# Fields whose value is bilingual text, to word errors about `zh` / `en` for the author.
_TEXT_FIELDS = {
    "title",
    "description",
    "source",
    "text",
    "why",
    "how",
    "unit",
    "fail_label",
    "pass_label",
}


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem in a checklist file, at a 1-based line and column."""

    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


class ChecklistError(Exception):
    """A checklist file (or several) has problems; `problems` lists them all."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class _Fatal(Exception):
    """A problem after which the YAML cannot be read any further."""

    def __init__(self, line: int, column: int, message: str) -> None:
        super().__init__(message)
        self.line, self.column, self.message = line, column, message


# --- YAML: a YAML 1.2-like resolver (so `yes`, `no`, `on` and dates stay text) ---------------


class _Resolver(BaseResolver):
    pass


_Resolver.add_implicit_resolver(
    _BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Resolver.add_implicit_resolver(_NULL, re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""])
_Resolver.add_implicit_resolver(
    _INT, re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"), list("-+0123456789")
)
_Resolver.add_implicit_resolver(
    _FLOAT,
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+.0123456789"),
)


class _Placeholder(ScalarNode):
    """Stands in for an alias, whose target is never expanded."""


class _Composer(Composer):
    """PyYAML's composer, refusing aliases and anchors and limiting nesting depth."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[tuple[yaml.Mark, str]] = []
        self._depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        if self.check_event(AliasEvent):
            event = self.get_event()
            self.problems.append((event.start_mark, ALIAS_MESSAGE))
            return _Placeholder(_NULL, "", event.start_mark, event.end_mark)
        event = self.peek_event()
        if getattr(event, "anchor", None) is not None:
            self.problems.append((event.start_mark, ALIAS_MESSAGE))
            event.anchor = None  # never registered, so a repeated anchor is not a second error
        return super().compose_node(parent, index)

    def _enter(self) -> None:
        self._depth += 1
        if self._depth > MAX_DEPTH:
            mark = self.peek_event().start_mark
            raise _Fatal(
                mark.line + 1,
                mark.column + 1,
                f"nesting is too deep (more than {MAX_DEPTH} levels)",
            )

    def compose_sequence_node(self, anchor: str | None) -> Node:
        self._enter()
        try:
            return super().compose_sequence_node(anchor)
        finally:
            self._depth -= 1

    def compose_mapping_node(self, anchor: str | None) -> Node:
        self._enter()
        try:
            return super().compose_mapping_node(anchor)
        finally:
            self._depth -= 1


class _YamlLoader(Reader, Scanner, Parser, _Composer, _Resolver):
    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        _Composer.__init__(self)
        _Resolver.__init__(self)


# --- building plain data while recording positions -------------------------------------------

Mark = tuple[int, int]  # 1-based line, column
Found = tuple[Mark, str]


@dataclass
class _Positions:
    """For each path, where its key (in a mapping) and its value start."""

    keys: dict[Path, Mark] = field(default_factory=dict)
    values: dict[Path, Mark] = field(default_factory=dict)

    def value(self, path: Path) -> Mark:
        """Where the value at `path` (or its nearest known ancestor) starts."""
        while path not in self.values and path:
            path = path[:-1]
        return self.values.get(path, (1, 1))

    def key(self, path: Path) -> Mark:
        """Where the key at `path` starts (its value for a list entry)."""
        return self.keys.get(path) or self.value(path)


def _mark(mark: yaml.Mark) -> Mark:
    return (mark.line + 1, mark.column + 1)


class _Builder:
    """Turns a composed node tree into dicts, lists and scalars, recording positions."""

    def __init__(self) -> None:
        self.positions = _Positions()
        self.problems: list[tuple[Mark, str]] = []
        self.tainted: set[Mark] = set()

    def build(self, node: Node, path: Path) -> Any:
        self.positions.values[path] = _mark(node.start_mark)
        if isinstance(node, _Placeholder):
            self.tainted.add(_mark(node.start_mark))
            return None
        if isinstance(node, MappingNode) and node.tag == _MAP:
            return self._mapping(node, path)
        if isinstance(node, SequenceNode) and node.tag == _SEQ:
            return [self.build(child, (*path, i)) for i, child in enumerate(node.value)]
        if isinstance(node, ScalarNode):
            try:
                return _scalar(node)
            except _BadScalar as exc:
                self._problem(node, path, str(exc))
        else:
            self._problem(node, path, f"YAML tag `{_short_tag(node.tag)}` is not allowed")
        self.tainted.add(_mark(node.start_mark))
        return None

    def _problem(self, node: Node, path: Path, message: str) -> None:
        prefix = format_path(path)
        self.problems.append(
            (_mark(node.start_mark), f"{prefix}: {message}" if prefix else message)
        )

    def _mapping(self, node: MappingNode, path: Path) -> dict[str, Any]:
        result: dict[str, Any] = {}
        first_lines: dict[str, int] = {}
        for key_node, value_node in node.value:
            where = _mark(key_node.start_mark)
            if not (isinstance(key_node, ScalarNode) and key_node.tag == _STR):
                if not isinstance(key_node, _Placeholder):
                    shown = f"`{key_node.value}`" if key_node.value else "nothing"
                    if isinstance(key_node, SequenceNode):
                        shown = "a list"
                    if isinstance(key_node, MappingNode):
                        shown = "a mapping"
                    self._problem(key_node, path, f"keys must be text, got {shown}")
                continue
            key = key_node.value
            if key in first_lines:
                message = f"duplicate key `{key}` (first at line {first_lines[key]})"
                self._problem(key_node, path, message)
                continue
            first_lines[key] = where[0]
            self.positions.keys[(*path, key)] = where
            result[key] = self.build(value_node, (*path, key))
        return result


class _BadScalar(Exception):
    pass


def _scalar(node: ScalarNode) -> Any:
    value: str = node.value
    tag = node.tag
    if tag == _STR:
        control = _CONTROL.search(value)
        if control:
            raise _BadScalar(f"non-printable character U+{ord(control.group()):04X} is not allowed")
        return value
    if tag == _NULL:
        if value.strip() not in ("", "~", "null", "Null", "NULL"):
            raise _BadScalar(f"`{value}` is not a valid null")
        return None
    if tag == _BOOL:
        if value.lower() not in ("true", "false"):
            raise _BadScalar(f"`{value}` is not a valid boolean; use true or false")
        return value.lower() == "true"
    if tag == _INT:
        try:
            if value.startswith(("0x", "0o")):
                return int(value[2:], 16 if value[1] == "x" else 8)
            return int(value)
        except ValueError:
            raise _BadScalar(f"`{value[:40]}` is not a valid integer") from None
    if tag == _FLOAT:
        special = {".inf": math.inf, "+.inf": math.inf, "-.inf": -math.inf, ".nan": math.nan}
        if value.lower() in special:
            return special[value.lower()]
        try:
            return float(value)
        except ValueError:
            raise _BadScalar(f"`{value[:40]}` is not a valid number") from None
    raise _BadScalar(f"YAML tag `{_short_tag(tag)}` is not allowed")


def _short_tag(tag: str) -> str:
    return tag.replace("tag:yaml.org,2002:", "!!", 1)


def _compose(text: str) -> tuple[Node | None, list[tuple[Mark, str]]]:
    """Compose one YAML document; return its root node and the YAML-level problems."""
    loader = None
    try:
        loader = _YamlLoader(text)
        root = loader.get_single_node()
    except _Fatal as exc:
        fatal = ((exc.line, exc.column), exc.message)
    except yaml.MarkedYAMLError as exc:
        fatal = _syntax_problem(exc)
    except yaml.reader.ReaderError as exc:
        fatal = (_text_position(text, exc.position), _reader_message(exc))
    else:
        return root, [(_mark(m), msg) for m, msg in loader.problems]
    finally:
        if loader is not None:
            loader.dispose()
    problems = [(_mark(m), msg) for m, msg in loader.problems] if loader is not None else []
    return None, [*problems, fatal]


def _syntax_problem(exc: yaml.MarkedYAMLError) -> tuple[Mark, str]:
    mark = exc.problem_mark or exc.context_mark
    problem = (exc.problem or "").removeprefix("but ")
    if "'\\t'" in problem:
        return (
            _mark(mark) if mark is not None else (1, 1)
        ), "invalid YAML: a tab is not allowed here; indent with spaces"
    message = f"invalid YAML: {problem}" if problem else "invalid YAML"
    if exc.context:
        context = exc.context
        if exc.context_mark is not None and exc.context_mark is not mark:
            context += f" at line {exc.context_mark.line + 1}"
        message += f" ({context})"
    return (_mark(mark) if mark is not None else (1, 1)), message


def _reader_message(exc: yaml.reader.ReaderError) -> str:
    character = exc.character
    code = ord(character) if isinstance(character, str) else int(character)
    return f"non-printable character U+{code:04X} is not allowed"


def _text_position(text: str, index: int) -> Mark:
    index = max(0, min(index, len(text)))
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        line = data.count(b"\n", 0, exc.start) + 1
        column = len(data[line_start : exc.start].decode("utf-8", "replace")) + 1
        byte = data[exc.start]
        raise _Fatal(line, column, f"not valid UTF-8 text (byte 0x{byte:02x})") from None


# --- translating pydantic errors into messages an author understands -------------------------


def _strip_tags(loc: tuple[Any, ...]) -> Path:
    """Drop the answer kind tag pydantic puts after `answers` in union error locations."""
    out: list[str | int] = []
    for i, part in enumerate(loc):
        after_answers = i >= 3 and loc[i - 1] == "answers" and loc[i - 3] == "items"
        if after_answers and part in ANSWER_KINDS:
            continue
        out.append(part)
    return tuple(out)


def _is_text(path: Path) -> bool:
    if not path:
        return False
    if path[-1] in _TEXT_FIELDS:
        return True
    if len(path) >= 3 and path[-3] == "labels":
        return True
    return (
        len(path) >= 2
        and isinstance(path[-1], int)
        and path[-2] in ("references", "options", "areas")
    )


def _one_of(ctx_expected: str) -> str:
    return ", ".join(re.findall(r"'([^']*)'", ctx_expected))


def _enum_message(path: Path, value: Any, expected: str) -> str:
    shown = str(value).lower() if isinstance(value, bool) else value
    what = {"kind": "checklist kind", "photo": "photo rule"}.get(str(path[-1]), "value")
    return f"unknown {what} `{shown}`; expected one of {expected}"


_MIN_LENGTH_WORDS = {
    "sections": "at least one section",
    "items": "at least one item",
    "areas": "at least one area",
    "in": "at least one answer value",
    "subitems": "at least one sub-item",
    "sectors": "at least one sector",
}


def _is_spurious(error: Any) -> bool:
    """Pydantic also reports `too_short` for a long enough list when some entries are invalid."""
    if error["type"] != "too_short":
        return False
    value, minimum = error.get("input"), (error.get("ctx") or {}).get("min_length", 0)
    return isinstance(value, list | tuple) and len(value) >= minimum


def _translate(error: Any) -> tuple[Path, bool, str]:
    """Return (path, point at the key?, message) for one pydantic error."""
    path = _strip_tags(tuple(error["loc"]))
    kind = error["type"]
    value = error.get("input")
    ctx = error.get("ctx") or {}
    got = describe(value)
    name = path[-1] if path else ""

    if kind == "missing":
        if name in ("zh", "en") and _is_text(path[:-1]):
            return path[:-1], False, f"missing `{name}` text"
        return path[:-1], False, f"missing required field `{name}`"
    if kind == "extra_forbidden":
        message = f"unknown field `{name}`"
        if _is_text(path[:-1]) and path[-3:-2] != ("options",):
            message += "; bilingual text has only `zh` and `en`"
            if value is None:
                message += " (a comma ends the text in `{zh: ..., en: ...}`; quote the text)"
        return path, True, message
    if kind == "string_too_short" and name in ("zh", "en"):
        return path[:-1], False, f"`{name}` text is empty"
    if kind == "union_tag_not_found" and isinstance(value, dict) and "kind" in value:
        return (
            (*path, "kind"),
            False,
            f"expected an answers kind name, got {describe(value['kind'])}",
        )
    return path, False, _message(kind, path, value, ctx, got) or str(error["msg"])


def _message(kind: str, path: Path, value: Any, ctx: dict[str, Any], got: str) -> str | None:
    """Word a pydantic error about the value at `path` for a checklist author."""
    name = path[-1] if path else ""
    if kind == "model_type" and ctx.get("class_name") == "Text":
        return f"expected bilingual text `{{zh: ..., en: ...}}`, got {got}"
    if kind == "too_short":
        words = _MIN_LENGTH_WORDS.get(str(name), f"at least {ctx.get('min_length')} entries")
        if name == "options":
            words = f"at least {ctx.get('min_length')} options"
        return f"needs {words}"
    if kind == "string_pattern_mismatch" and len(path) >= 3 and path[-3] == "options":
        return f"`{value}` is not a valid option id; use lowercase letters, digits, `-` and `_`"
    if kind == "string_pattern_mismatch" and "areas" in path:
        return (
            f"`{value}` is not a valid area id; use lowercase letters, digits and single "
            "underscores, e.g. `confined_spaces`"
        )
    if kind == "string_too_long" and name == "number":
        return f"a number is at most {ctx.get('max_length')} characters, got {len(str(value))}"
    if kind in ("greater_than_equal", "less_than_equal") and name == "pass_mark":
        return f"`pass_mark` is a percentage from 0 to 100, got {got}"
    if kind == "greater_than_equal" and name in ("min_workers", "max_workers"):
        return f"a headcount is 0 or more, got {got}"
    if kind == "literal_error" and name == "problem":
        return f"`problem` is the answer that is a problem: `yes` or `no`, got {got}"
    if kind == "literal_error" and name == "risk_floor":
        shown = f"`{value}`" if isinstance(value, str) else got
        return f"unknown risk level {shown}; expected one of low, medium, high, critical"
    if kind == "string_type" and name == "number" and isinstance(value, int | float):
        return f'expected text, got the number `{value}`; quote it: `number: "{value}"`'
    if kind == "int_type":
        return f"expected a whole number, got {got}"
    if kind == "string_pattern_mismatch":
        return (
            f"`{value}` is not a valid id; use lowercase letters, digits and single hyphens, "
            "e.g. `storage-01`"
        )
    if kind == "enum":
        return _enum_message(path, value, _one_of(str(ctx.get("expected", ""))))
    if kind == "union_tag_invalid":
        return f"unknown answers kind `{ctx.get('tag')}`; expected one of {', '.join(kind_names())}"
    if kind == "union_tag_not_found" and isinstance(value, dict):
        return "missing required field `kind`"
    if kind == "union_tag_not_found":
        return (
            f"expected an answers kind (e.g. `propose_action`) or a mapping with `kind`, got {got}"
        )
    simple = {
        "model_type": f"expected a mapping, got {got}",
        "tuple_type": f"expected a list, got {got}",
        "list_type": f"expected a list, got {got}",
        "string_type": f"expected text, got {got}",
        "string_too_short": "must not be empty",
        "bool_type": f"expected `true` or `false`, got {got}",
        "dict_type": f"expected a mapping, got {got}",
    }
    return simple.get(kind)


def _schema_problems(data: Any, positions: _Positions) -> tuple[Checklist | None, list[Found]]:
    try:
        checklist = Checklist.model_validate(data, context={LOADER_CONTEXT_KEY: True})
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            if _is_spurious(error):
                continue
            path, at_key, message = _translate(error)
            where = positions.key(path) if at_key else positions.value(path)
            prefix = format_path(path[:-1] if at_key else path)
            problems.append((where, f"{prefix}: {message}" if prefix else message))
        return None, problems
    return checklist, []


@dataclass
class _Result:
    checklist: Checklist | None
    problems: list[Problem]
    positions: _Positions | None = None


def _read(source: str | bytes, filename: str) -> _Result:
    """Parse and validate; never raises."""
    try:
        return _read_unsafe(source, filename)
    except Exception as exc:  # a bug in the loader must still come out as a ChecklistError
        message = f"internal error while reading the checklist: {type(exc).__name__}: {exc}"
        return _Result(None, [Problem(filename, 1, 1, message)])


def _read_unsafe(source: str | bytes, filename: str) -> _Result:
    def problems_of(found: Iterable[tuple[Mark, str]]) -> list[Problem]:
        unique = dict.fromkeys((line, column, message) for (line, column), message in found)
        ordered = sorted(unique, key=lambda p: (p[0], p[1]))
        return [Problem(filename, line, column, message) for line, column, message in ordered]

    size = len(source) if isinstance(source, bytes) else len(source.encode("utf-8", "replace"))
    if size > MAX_BYTES:
        message = f"file is too large ({size} bytes; at most {MAX_BYTES})"
        return _Result(None, problems_of([((1, 1), message)]))
    try:
        text = _decode(source) if isinstance(source, bytes) else source
    except _Fatal as exc:
        return _Result(None, problems_of([((exc.line, exc.column), exc.message)]))

    root, yaml_problems = _compose(text)
    if root is None:
        if not yaml_problems:
            yaml_problems = [((1, 1), "the file is empty; expected a checklist (`id: ...`)")]
        return _Result(None, problems_of(yaml_problems))

    builder = _Builder()
    data = builder.build(root, ())
    found = [*yaml_problems, *builder.problems]
    if not isinstance(data, dict):
        if not builder.tainted:
            message = f"expected a checklist mapping (`id: ...`), got {describe(data)}"
            found.append((builder.positions.value(()), message))
        return _Result(None, problems_of(found), builder.positions)

    checklist, schema = _schema_problems(data, builder.positions)
    found += [(where, message) for where, message in schema if where not in builder.tainted]

    def where(path: Path) -> str:
        return f"line {builder.positions.value(path)[0]}"

    for path, message in semantic_problems(data, where):
        prefix = format_path(path)
        found.append((builder.positions.value(path), f"{prefix}: {message}" if prefix else message))

    if found:
        return _Result(None, problems_of(found), builder.positions)
    return _Result(checklist, [], builder.positions)


# --- public API ------------------------------------------------------------------------------


def parse_checklist(text: str | bytes, filename: str = "<string>") -> Checklist:
    """Parse and validate checklist YAML; raise ChecklistError listing every problem."""
    result = _read(text, filename)
    if result.checklist is None:
        raise ChecklistError(result.problems)
    return result.checklist


def _read_file(path: str | FsPath) -> _Result:
    name = str(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
            if len(data) > MAX_BYTES:
                size = FsPath(path).stat().st_size
                message = f"file is too large ({size} bytes; at most {MAX_BYTES})"
                return _Result(None, [Problem(name, 1, 1, message)])
    except OSError as exc:
        return _Result(None, [Problem(name, 1, 1, f"cannot read the file: {exc.strerror or exc}")])
    return _read(data, name)


def load_checklist(path: str | FsPath) -> Checklist:
    """Load and validate one checklist file; raise ChecklistError listing every problem."""
    result = _read_file(path)
    if result.checklist is None:
        raise ChecklistError(result.problems)
    return result.checklist


def checklist_files(paths: Iterable[str | FsPath]) -> list[FsPath]:
    """Expand paths to checklist files: a directory stands for its `*.yaml` files, sorted."""
    files: list[FsPath] = []
    for path in map(FsPath, paths):
        files.extend(sorted(path.glob("*.yaml")) if path.is_dir() else [path])
    return files


def _read_all(paths: Iterable[str | FsPath]) -> tuple[list[Checklist], list[Problem]]:
    checklists: list[Checklist] = []
    problems: list[Problem] = []
    first_file: dict[str, str] = {}
    for path in checklist_files(paths):
        result = _read_file(path)
        problems += result.problems
        if result.checklist is None:
            continue
        checklist = result.checklist
        if checklist.id in first_file:
            line, column = result.positions.value(("id",)) if result.positions else (1, 1)
            message = (
                f"id: checklist id `{checklist.id}` is also used in {first_file[checklist.id]}"
            )
            problems.append(Problem(str(path), line, column, message))
            continue
        first_file[checklist.id] = str(path)
        checklists.append(checklist)
    return checklists, problems


def validate_paths(paths: Iterable[str | FsPath]) -> list[Problem]:
    """Validate checklist files (directories stand for their `*.yaml`); return all problems."""
    return _read_all(paths)[1]


def load_checklists(paths: Iterable[str | FsPath]) -> list[Checklist]:
    """Load checklist files (directories stand for their `*.yaml`); ids must be unique."""
    checklists, problems = _read_all(paths)
    if problems:
        raise ChecklistError(problems)
    return checklists


def canonical_json(checklist: Checklist) -> str:
    """The checklist as canonical JSON: sorted keys, no whitespace, defaults filled in."""
    data = checklist.model_dump(mode="json", by_alias=True)
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def content_hash(checklist: Checklist) -> str:
    """SHA-256 hex digest of the canonical JSON: the identity of a checklist version."""
    return hashlib.sha256(canonical_json(checklist).encode("utf-8")).hexdigest()


def main(argv: Sequence[str] | None = None) -> int:
    """Validate the checklist files named on the command line; return the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        print("usage: python -m inspect_app.checklists.loader PATH...", file=sys.stderr)
        return 2
    problems = validate_paths(args)
    for problem in problems:
        print(problem)
    if problems:
        return 1
    count = len(checklist_files(args))
    print(f"{count} checklist{'' if count == 1 else 's'} valid")
    return 0


if __name__ == "__main__":
    sys.exit(main())
