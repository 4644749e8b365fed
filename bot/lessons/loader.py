"""Read a lessons folder into a `Catalog`, collecting every problem as `path:line: message`.

YAML is composed with the safe loader into nodes first, so every value keeps the line it came from;
pydantic errors are then mapped back to those lines. A broken file never stops the other files from
loading: the bot runs with the lessons that are valid and the operator sees one line per problem.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.lessons.address import ADDRESS, readdress
from bot.lessons.catalog import Catalog
from bot.lessons.lint import lesson_warnings
from bot.lessons.model import Lesson, Track

try:  # the C loader is several times faster on a catalogue of a thousand files
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - libyaml missing
    _Loader = yaml.SafeLoader

TRACKS_FILE = "tracks.yaml"
# A lesson file is a few kilobytes. The limits keep a wrong or hostile file from stalling
# `lessons check`, the bot's start and its SIGHUP reload (each reads every file).
MAX_FILE_BYTES = 1_000_000
MAX_DEPTH = 40  # a lesson nests about six levels (steps › quiz › options › option › text)
MAX_ALIAS_LINES = 10  # reported; the rest are alike
_Lines = dict[tuple[Any, ...], int]


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    message: str
    warning: bool = False  # the lesson still loads (see bot.lessons.lint)

    def __str__(self) -> str:
        kind = "warning: " if self.warning else ""
        return f"{self.path}:{self.line}: {kind}{self.message}"


class _FileProblems(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__(problems)
        self.problems = problems


_constructor = yaml.constructor.SafeConstructor()


def _to_python(
    node: yaml.Node, path: tuple[Any, ...], lines: _Lines, problems: list[Problem], name: str
) -> Any:
    lines.setdefault(path, node.start_mark.line + 1)
    if len(path) > MAX_DEPTH:
        raise _FileProblems(
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


def _line_for(loc: tuple[Any, ...], lines: _Lines) -> int:
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
        raise _FileProblems(
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
            raise _FileProblems([Problem(name, 1, "not a regular file")])
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            # Read by the size seen, not by the limit: a 1 MB buffer per file would double the
            # time to load a thousand small lessons.
            raw = handle.read(size + 1) if size <= MAX_FILE_BYTES else b""
    except OSError as exc:
        raise _FileProblems([Problem(name, 1, f"cannot read the file ({exc.strerror})")]) from None
    if size > MAX_FILE_BYTES or len(raw) > MAX_FILE_BYTES:
        raise _FileProblems(
            [
                Problem(
                    name,
                    1,
                    f"the file is too big (over {MAX_FILE_BYTES // 1_000_000} MB); a lesson is a few KB",
                )
            ]
        )
    return raw


def _read_yaml(path: Path, name: str) -> tuple[Any, _Lines]:
    """Parse one file; raise _FileProblems with a clear line for every way it can be unreadable."""
    raw = _read_bytes(path, name)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise _FileProblems(
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
        raise _FileProblems(
            [Problem(name, n, "a tab is used for indentation; YAML needs spaces") for n in tab_lines]
        )
    try:
        _refuse_anchors(text, name)
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = exc.problem or exc.context or "not valid YAML"
        raise _FileProblems([Problem(name, line, f"YAML cannot be parsed: {problem}")]) from None
    except yaml.YAMLError as exc:
        raise _FileProblems([Problem(name, 1, f"YAML cannot be parsed: {exc}")]) from None
    if node is None:
        raise _FileProblems([Problem(name, 1, "the file is empty")])
    lines: _Lines = {}
    problems: list[Problem] = []
    try:
        data = _to_python(node, (), lines, problems, name)
    except yaml.YAMLError as exc:
        raise _FileProblems([Problem(name, 1, f"YAML value cannot be read: {exc}")]) from None
    if problems:
        raise _FileProblems(problems)
    return data, lines


def _validate(model: type, data: Any, lines: _Lines, name: str, path: tuple[Any, ...] = ()) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _FileProblems(
            [Problem(name, _line_for((*path, *e["loc"]), lines), _describe(e)) for e in exc.errors()]
        ) from None


def _display(path: Path) -> str:
    """Paths under the working folder are shown relative to it (short, clickable in editors)."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


@dataclass
class LoadResult:
    catalog: Catalog
    problems: list[Problem]  # errors: those lessons are left out
    files: int
    warnings: list[Problem] = field(default_factory=list)  # the lessons load all the same
    # lesson id → (file as displayed, line of every key): later checks report on the right line
    sources: dict[str, tuple[str, _Lines]] = field(default_factory=dict)


def _load_tracks(root: Path, problems: list[Problem]) -> tuple[dict[str, Track], dict[str, int], str]:
    path = root / TRACKS_FILE
    name = _display(path)
    tracks: dict[str, Track] = {}
    track_lines: dict[str, int] = {}
    if not path.exists():
        problems.append(Problem(name, 1, "tracks.yaml is missing: it declares the tracks (id, title, order)"))
        return tracks, track_lines, name
    try:
        data, lines = _read_yaml(path, name)
        if not isinstance(data, dict) or not isinstance(data.get("tracks"), list):
            raise _FileProblems([Problem(name, 1, "expected a 'tracks:' list of {id, title, order}")])
        for index, item in enumerate(data["tracks"]):
            try:
                track = _validate(Track, item, lines, name, ("tracks", index))
            except _FileProblems as exc:
                problems.extend(exc.problems)
                continue
            if track.id in tracks:
                problems.append(
                    Problem(name, lines.get(("tracks", index), 1), f"duplicate track id '{track.id}'")
                )
                continue
            tracks[track.id] = track
            track_lines[track.id] = lines.get(("tracks", index), 1)
    except _FileProblems as exc:
        problems.extend(exc.problems)
    return tracks, track_lines, name


def load_catalog(root: str | os.PathLike[str], address: str = ADDRESS) -> LoadResult:
    """Load every lesson under `root`. Invalid lessons are left out and reported, never raised.

    Lessons address the learner as «Bác» (capitalised; lower-case «bác» is an ordinary word, as in
    «bác sĩ»); with another form of address configured («Cô», «Chú»), every such «Bác» in what a
    learner reads becomes that word."""
    root = Path(root)
    problems: list[Problem] = []
    if not root.is_dir():
        problems.append(Problem(_display(root), 1, "the lessons folder does not exist"))
        return LoadResult(Catalog({}, {}, root), problems, 0)
    tracks, _, _ = _load_tracks(root, problems)
    lessons: dict[str, Lesson] = {}
    warnings: list[Problem] = []
    where: dict[str, tuple[str, _Lines]] = {}
    files = sorted(
        p
        for pattern in ("*.yaml", "*.yml")
        for p in root.rglob(pattern)
        if p.name != TRACKS_FILE and "media" not in p.relative_to(root).parts
    )
    for path in files:
        name = _display(path)
        try:
            data, lines = _read_yaml(path, name)
            if not isinstance(data, dict):
                raise _FileProblems([Problem(name, 1, "a lesson file must be a mapping (id, title, steps…)")])
            if "steps" in data and not data["steps"]:
                raise _FileProblems([Problem(name, lines.get(("steps",), 1), "the lesson has no steps")])
            lesson: Lesson = _validate(Lesson, data, lines, name)
        except _FileProblems as exc:
            problems.extend(exc.problems)
            continue
        file_problems = _check_lesson(lesson, lines, name, root, tracks)
        if lesson.id in lessons:
            other = where[lesson.id][0]
            file_problems.append(
                Problem(name, lines.get(("id",), 1), f"duplicate lesson id '{lesson.id}' (also in {other})")
            )
        if file_problems:
            problems.extend(file_problems)
            continue
        warnings.extend(
            Problem(name, _line_for(key_path, lines), message, warning=True)
            for key_path, message in lesson_warnings(lesson)
        )
        lessons[lesson.id] = readdress(lesson, address)
        where[lesson.id] = (name, lines)
    # Prerequisites are checked once all lessons are known; a lesson with a dangling one is left out,
    # and so, in turn, is a lesson that requires a lesson left out.
    changed = True
    while changed:
        changed = False
        for lesson_id in list(lessons):
            lesson = lessons[lesson_id]
            name, lines = where[lesson_id]
            for index, required in enumerate(lesson.requires):
                if required in lessons:
                    continue
                reason = "has problems" if required in where else "does not exist"
                problems.append(
                    Problem(
                        name,
                        lines.get(("requires", index), 1),
                        f"requires lesson '{required}', which {reason}",
                    )
                )
                lessons.pop(lesson_id)
                changed = True
                break
    for lesson_id in _cycles(lessons):
        name, lines = where[lesson_id]
        problems.append(Problem(name, lines.get(("requires",), 1), "prerequisites form a loop"))
        lessons.pop(lesson_id, None)
    return LoadResult(
        Catalog(tracks, lessons, root), sorted(problems), len(files) + 1, sorted(warnings), sources=where
    )


def _check_lesson(
    lesson: Lesson, lines: _Lines, name: str, root: Path, tracks: dict[str, Track]
) -> list[Problem]:
    problems: list[Problem] = []
    if lesson.track not in tracks:
        problems.append(
            Problem(name, lines.get(("track",), 1), f"track '{lesson.track}' is not declared in tracks.yaml")
        )
    seen: dict[str, int] = {}
    for index, step in enumerate(lesson.steps):
        if step.id in seen:
            problems.append(
                Problem(
                    name,
                    lines.get(("steps", index, "id"), 1),
                    f"duplicate step id '{step.id}' (also step {seen[step.id] + 1})",
                )
            )
        seen.setdefault(step.id, index)
        for key in ("image", "audio"):
            media = getattr(step, key)
            if media is None:
                continue
            target = (root / media).resolve()
            if not target.is_relative_to(root.resolve()):
                problems.append(
                    Problem(
                        name,
                        lines.get(("steps", index, key), 1),
                        f"{key} path '{media}' leaves the lessons folder",
                    )
                )
            elif not target.is_file():
                problems.append(
                    Problem(name, lines.get(("steps", index, key), 1), f"{key} file '{media}' does not exist")
                )
    if lesson.id in lesson.requires:
        problems.append(Problem(name, lines.get(("requires",), 1), "a lesson cannot require itself"))
    return problems


def _cycles(lessons: dict[str, Lesson]) -> list[str]:
    """Lesson ids that sit on a prerequisite loop."""
    state: dict[str, int] = {}
    looped: set[str] = set()

    def visit(lesson_id: str, stack: list[str]) -> None:
        state[lesson_id] = 1
        stack.append(lesson_id)
        for required in lessons[lesson_id].requires:
            if required not in lessons:
                continue
            if state.get(required) == 1:
                looped.update(stack[stack.index(required) :])
            elif required not in state:
                visit(required, stack)
        stack.pop()
        state[lesson_id] = 2

    for lesson_id in sorted(lessons):
        if lesson_id not in state:
            visit(lesson_id, [])
    return sorted(looped)

