"""Catalogue: load and validate 1,000 lesson files (copies of the real curriculum under new ids)."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import yaml

from bot.config import REPO_LESSONS
from bot.lessons import load_catalog


def make_folder(count: int) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="hocvuso-catalogue-"))
    shutil.copy(REPO_LESSONS / "tracks.yaml", folder / "tracks.yaml")
    sources = sorted(p for p in REPO_LESSONS.rglob("*.yaml") if p.name != "tracks.yaml")
    for number in range(count):
        source = sources[number % len(sources)]
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
        data["id"] = f"{data['id'][:30]}-{number}"
        data["order"] = number
        data["requires"] = []
        target = folder / data["track"] / f"{data['id']}.yaml"
        target.parent.mkdir(exist_ok=True)
        target.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder


def measure(count: int = 1000, runs: int = 3) -> dict[str, float]:
    folder = make_folder(count)
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        result = load_catalog(folder)
        best = min(best, time.perf_counter() - started)
    assert not result.problems, result.problems[:3]
    shutil.rmtree(folder, ignore_errors=True)
    return {
        "files": count,
        "lessons": len(result.catalog),
        "steps": result.catalog.step_count,
        "seconds": best,
    }


if __name__ == "__main__":
    print(measure())
