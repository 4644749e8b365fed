"""The loaded, validated lessons: lookups the tutor needs on every message, computed once."""

from __future__ import annotations

from pathlib import Path

from bot.lessons.model import Lesson, Track


class Catalog:
    """Tracks and lessons in teaching order. Immutable after construction."""

    def __init__(self, tracks: dict[str, Track], lessons: dict[str, Lesson], root: Path):
        self.root = root
        self.tracks: list[Track] = sorted(tracks.values(), key=lambda t: (t.order, t.id))
        self._tracks = {t.id: t for t in self.tracks}
        track_rank = {t.id: i for i, t in enumerate(self.tracks)}
        self.lessons: list[Lesson] = sorted(
            (lesson for lesson in lessons.values() if lesson.track in self._tracks),
            key=lambda x: (track_rank[x.track], x.order, x.id),
        )
        self._lessons = {lesson.id: lesson for lesson in self.lessons}
        self._by_track: dict[str, list[Lesson]] = {t.id: [] for t in self.tracks}
        for lesson in self.lessons:
            self._by_track[lesson.track].append(lesson)
        self._rank = {lesson.id: i for i, lesson in enumerate(self.lessons)}

    def __len__(self) -> int:
        return len(self.lessons)

    def lesson(self, lesson_id: str) -> Lesson | None:
        return self._lessons.get(lesson_id)

    def track(self, track_id: str) -> Track | None:
        return self._tracks.get(track_id)

    def in_track(self, track_id: str) -> list[Lesson]:
        return self._by_track.get(track_id, [])

    def rank(self, lesson_id: str) -> int:
        """Position in the teaching order (unknown lessons sort last)."""
        return self._rank.get(lesson_id, len(self.lessons))

    def media_path(self, relative: str) -> Path:
        return self.root / relative

    @property
    def step_count(self) -> int:
        return sum(len(lesson.steps) for lesson in self.lessons)
