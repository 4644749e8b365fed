"""Read a lessons folder into a `Catalog`, collecting every problem as `path:line: message`.

YAML is composed with the safe loader into nodes first, so every value keeps the line it came from;
pydantic errors are then mapped back to those lines. A broken file never stops the other files from
loading: the bot runs with the lessons that are valid and the operator sees one line per problem.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from bot.lessons.address import ADDRESS, readdress
from bot.lessons.catalog import Catalog
from bot.lessons.lint import lesson_warnings
from bot.lessons.model import Lesson, Track
from bot.lessons.yamlfile import FileProblems, Lines, Problem, display, line_for, read_yaml, validate

TRACKS_FILE = "tracks.yaml"


@dataclass
class LoadResult:
    catalog: Catalog
    problems: list[Problem]  # errors: those lessons are left out
    files: int
    warnings: list[Problem] = field(default_factory=list)  # the lessons load all the same
    # lesson id → (file as displayed, line of every key): later checks report on the right line
    sources: dict[str, tuple[str, Lines]] = field(default_factory=dict)


def _load_tracks(root: Path, problems: list[Problem]) -> tuple[dict[str, Track], dict[str, int], str]:
    path = root / TRACKS_FILE
    name = display(path)
    tracks: dict[str, Track] = {}
    track_lines: dict[str, int] = {}
    if not path.exists():
        problems.append(Problem(name, 1, "tracks.yaml is missing: it declares the tracks (id, title, order)"))
        return tracks, track_lines, name
    try:
        data, lines = read_yaml(path, name)
        if not isinstance(data, dict) or not isinstance(data.get("tracks"), list):
            raise FileProblems([Problem(name, 1, "expected a 'tracks:' list of {id, title, order}")])
        for index, item in enumerate(data["tracks"]):
            try:
                track = validate(Track, item, lines, name, ("tracks", index))
            except FileProblems as exc:
                problems.extend(exc.problems)
                continue
            if track.id in tracks:
                problems.append(
                    Problem(name, lines.get(("tracks", index), 1), f"duplicate track id '{track.id}'")
                )
                continue
            tracks[track.id] = track
            track_lines[track.id] = lines.get(("tracks", index), 1)
    except FileProblems as exc:
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
        problems.append(Problem(display(root), 1, "the lessons folder does not exist"))
        return LoadResult(Catalog({}, {}, root), problems, 0)
    tracks, _, _ = _load_tracks(root, problems)
    lessons: dict[str, Lesson] = {}
    warnings: list[Problem] = []
    where: dict[str, tuple[str, Lines]] = {}
    files = sorted(
        p
        for pattern in ("*.yaml", "*.yml")
        for p in root.rglob(pattern)
        if p.name != TRACKS_FILE and "media" not in p.relative_to(root).parts
    )
    for path in files:
        name = display(path)
        try:
            data, lines = read_yaml(path, name)
            if not isinstance(data, dict):
                raise FileProblems([Problem(name, 1, "a lesson file must be a mapping (id, title, steps…)")])
            if "steps" in data and not data["steps"]:
                raise FileProblems([Problem(name, lines.get(("steps",), 1), "the lesson has no steps")])
            lesson: Lesson = validate(Lesson, data, lines, name)
        except FileProblems as exc:
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
            Problem(name, line_for(key_path, lines), message, warning=True)
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
    lesson: Lesson, lines: Lines, name: str, root: Path, tracks: dict[str, Track]
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

