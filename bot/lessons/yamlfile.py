"""One YAML file of lessons, read safely and with its lines: every value keeps the line it came
from, so a problem (a YAML error, a pydantic error mapped back to its key) is `path:line: message`.

Hostile or broken files cannot stall a reader: anchors/aliases (the "billion laughs" shape) are
refused before anything is built, as are files over MAX_FILE_BYTES and nesting deeper than MAX_DEPTH.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

try:  # the C loader is several times faster on a catalogue of a thousand files
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - libyaml missing
    _Loader = yaml.SafeLoader

# A lesson file is a few kilobytes. The limits keep a wrong or hostile file from stalling
# `lessons check`, the bot's start and its SIGHUP reload (each reads every file).
MAX_FILE_BYTES = 1_000_000
MAX_DEPTH = 40  # a lesson nests about six levels (steps › quiz › options › option › text)
MAX_ALIAS_LINES = 10  # reported; the rest are alike
Lines = dict[tuple[Any, ...], int]


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    message: str
    warning: bool = False  # the lesson still loads (see bot.lessons.lint)

    def __str__(self) -> str:
        kind = "warning: " if self.warning else ""
        return f"{self.path}:{self.line}: {kind}{self.message}"


class FileProblems(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__(problems)
        self.problems = problems


_constructor = yaml.constructor.SafeConstructor()


def _to_python(
    node: yaml.Node, path: tuple[Any, ...], lines: Lines, problems: list[Problem], name: str
) -> Any:
    lines.setdefault(path, node.start_mark.line + 1)
    if len(path) > MAX_DEPTH:
        raise FileProblems(
            [Problem(name, node.start_mark.line + 1, f"nested too deeply (more than {MAX_DEPTH} levels)")]
        )
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _to_python(key_node, (*path, "<key>"), {}, problems, name)
            if not isinstance(key, (str, int, float, bool)) or key is None:
                problems.append(Problem(name, key_node.start_mark.line + 1, "a key must be a plain word"))
                continue
            if key in result:
                problems.append(
                    Problem(name, key_node.start_mark.line + 1, f"duplicate key '{key}' in the same block")
                )
                continue
            lines[(*path, key)] = key_node.start_mark.line + 1
            result[key] = _to_python(value_node, (*path, key), lines, problems, name)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _to_python(item, (*path, index), lines, problems, name) for index, item in enumerate(node.value)
        ]
    return _constructor.construct_object(node, deep=True)


def line_for(loc: tuple[Any, ...], lines: Lines) -> int:
    path: tuple[Any, ...] = ()
    for part in loc:
        if (*path, part) in lines:
            path = (*path, part)
    return lines.get(path, 1)


def _where(loc: list[Any]) -> str:
    """('steps', 2, 'quiz', 'options', 0) → 'step 3 › quiz › option 1' (people count from 1)."""
    parts: list[str] = []
    for i, part in enumerate(loc):
        if (
            isinstance(part, int)
            and i > 0
            and parts
            and loc[i - 1] in ("steps", "options", "requires", "tracks")
        ):
            parts[-1] = f"{str(loc[i - 1]).rstrip('s')} {part + 1}"
        else:
            parts.append(str(part))
    return " › ".join(parts)


def _describe(error: dict[str, Any]) -> str:
    loc = [part for part in error["loc"] if not str(part).startswith("function-")]
    kind = error["type"]
    if kind in ("extra_forbidden", "missing"):
        what = "unknown key" if kind == "extra_forbidden" else "missing key"
        inside = f" in {_where(loc[:-1])}" if len(loc) > 1 else ""
        return f"{what} '{loc[-1]}'{inside}"
    message = str(error["msg"])
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    if kind == "string_too_long":
        limit = error.get("ctx", {}).get("max_length")
        actual = len(error.get("input", "")) if isinstance(error.get("input"), str) else "?"
        message = f"text is too long ({actual} characters, at most {limit})"
    elif kind == "string_pattern_mismatch":
        message = "must use only a-z, 0-9 and '-' (at most 40 characters)"
    where = _where(loc)
    return f"{where}: {message}" if where else message


def _refuse_anchors(text: str, name: str) -> None:
    """YAML anchors and aliases (`&a`, `*a`) let a few lines stand for billions of values (the
    "billion laughs" file). A lesson never needs them, so they are refused, with their lines, before
    anything is built from the file."""
    if "&" not in text and "*" not in text:
        return  # no anchor or alias can be in the file: spare the extra pass
    found: dict[int, list[str]] = {}  # line → the anchors and aliases on it
    for event in yaml.parse(text, Loader=_Loader):
        anchor = getattr(event, "anchor", None)
        if anchor is None:
            continue
        line = event.start_mark.line + 1
        if line not in found and len(found) == MAX_ALIAS_LINES:
            break
        sign = "*" if isinstance(event, yaml.AliasEvent) else "&"
        if f"{sign}{anchor}" not in found.setdefault(line, []):
            found[line].append(f"{sign}{anchor}")
    if found:
        raise FileProblems(
            [
                Problem(
                    name,
                    line,
                    f"YAML anchors and aliases ({', '.join(names)}) are not allowed in lesson files;"
                    " write the text out",
                )
                for line, names in found.items()
            ]
        )


def _read_bytes(path: Path, name: str) -> bytes:
    """The file's bytes, refused by size before reading (a 50 MB file) and by type before opening
    (a device or a pipe named *.yaml)."""
    try:
        if not path.is_file():
            raise FileProblems([Problem(name, 1, "not a regular file")])
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            # Read by the size seen, not by the limit: a 1 MB buffer per file would double the
            # time to load a thousand small lessons.
            raw = handle.read(size + 1) if size <= MAX_FILE_BYTES else b""
    except OSError as exc:
        raise FileProblems([Problem(name, 1, f"cannot read the file ({exc.strerror})")]) from None
    if size > MAX_FILE_BYTES or len(raw) > MAX_FILE_BYTES:
        raise FileProblems(
            [
                Problem(
                    name,
                    1,
                    f"the file is too big (over {MAX_FILE_BYTES // 1_000_000} MB); a lesson is a few KB",
                )
            ]
        )
    return raw


def read_yaml(path: Path, name: str) -> tuple[Any, Lines]:
    """Parse one file; raise FileProblems with a clear line for every way it can be unreadable."""
    raw = _read_bytes(path, name)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise FileProblems(
            [
                Problem(
                    name, line, f"the file is not UTF-8 text (byte 0x{raw[exc.start]:02x}); save it as UTF-8"
                )
            ]
        ) from None
    text = text.removeprefix("\ufeff")
    tab_lines = [
        n for n, line in enumerate(text.splitlines(), 1) if line[: len(line) - len(line.lstrip())].count("\t")
    ]
    if tab_lines:
        raise FileProblems(
            [Problem(name, n, "a tab is used for indentation; YAML needs spaces") for n in tab_lines]
        )
    try:
        _refuse_anchors(text, name)
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = exc.problem or exc.context or "not valid YAML"
        raise FileProblems([Problem(name, line, f"YAML cannot be parsed: {problem}")]) from None
    except yaml.YAMLError as exc:
        raise FileProblems([Problem(name, 1, f"YAML cannot be parsed: {exc}")]) from None
    if node is None:
        raise FileProblems([Problem(name, 1, "the file is empty")])
    lines: Lines = {}
    problems: list[Problem] = []
    try:
        data = _to_python(node, (), lines, problems, name)
    except yaml.YAMLError as exc:
        raise FileProblems([Problem(name, 1, f"YAML value cannot be read: {exc}")]) from None
    if problems:
        raise FileProblems(problems)
    return data, lines


def validate(model: type, data: Any, lines: Lines, name: str, path: tuple[Any, ...] = ()) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise FileProblems(
            [Problem(name, line_for((*path, *e["loc"]), lines), _describe(e)) for e in exc.errors()]
        ) from None


def display(path: Path) -> str:
    """Paths under the working folder are shown relative to it (short, clickable in editors)."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


