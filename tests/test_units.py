"""The unit tree through the real CLI (`python -m bot units …` as a subprocess) on SQLite and
PostgreSQL: files as Excel saves them, rows in any order, loops refused with one line and nothing
written, every bad file one line without a traceback; and a database that already holds a loop
(written before imports refused them) answers scope questions instead of hanging."""

from __future__ import annotations

import asyncio
import csv
import io
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.store import Database
from bot.store.models import Progress
from tests.conftest import LESSONS
from tests.support.proc import ROOT, hocvuso_env

T0 = datetime(2026, 11, 2, 2, 0)
# A hang shows as a timeout, not a stuck suite. Each command takes ~1 s; the margin is for a busy machine.
TIMEOUT = 30


def hocvuso(db_url: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=hocvuso_env(db_url, LESSONS),
        cwd=ROOT,
        timeout=TIMEOUT,
    )


def write(path: Path, content: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(content.encode(encoding))
    return path


def imported(db_url: str, path: Path) -> subprocess.CompletedProcess[str]:
    return hocvuso(db_url, "units", "import", str(path))


def tree(db_url: str) -> list[str]:
    proc = hocvuso(db_url, "units", "list")
    assert "Traceback" not in proc.stderr
    return proc.stdout.splitlines()


async def stored(db_url: str) -> list[tuple[str, str | None]]:
    db = Database(db_url)
    await db.migrate()
    try:
        async with db.reader() as repo:
            return [(unit.id, unit.parent_id) for unit in await repo.units()]
    finally:
        await db.close()


def one_line(proc: subprocess.CompletedProcess[str]) -> str:
    """A refused import: exit 1, nothing on stdout, one line on stderr."""
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


HANOI = ["hn  Hà Nội  (tinh)", "  hn-a  Phường A  (xa)", "  hn-b  Xã B  (xa)"]


async def test_communes_before_their_province_with_semicolons_and_a_bom(db_url: str, tmp_path: Path) -> None:
    # Excel with Vietnamese regional settings: «CSV UTF-8» writes a BOM and separates with ';'.
    path = write(
        tmp_path / "don-vi.csv",
        "id;name;parent_id;kind\r\nhn-b;Xã B;hn;xa\r\nhn-a;Phường A;hn;xa\r\nhn;Hà Nội;;tinh\r\n;;;\r\n",
        "utf-8-sig",
    )
    proc = await asyncio.to_thread(imported, db_url, path)
    assert (proc.returncode, proc.stdout.strip(), proc.stderr) == (0, "OK: 3 units imported", "")
    assert await asyncio.to_thread(tree, db_url) == HANOI


@pytest.mark.parametrize(
    ("content", "encoding"),
    [
        ("id,name,parent_id,kind\nhn-a,Phường A,hn,xa\nhn-b,Xã B,hn,\nhn,Hà Nội,,\n", "utf-8"),
        ("id,name,parent_id,kind\nhn-a,Phường A,hn,xa\nhn-b,Xã B,hn,\nhn,Hà Nội,,\n", "utf-8-sig"),
        ("sep=;\nid;name;parent_id\nhn-a;Phường A;hn\nhn;Hà Nội;\nhn-b;Xã B;hn\n", "utf-8"),
        (
            "id\tname\tparent_id\nhn-b\tXã B\thn\nhn-a\tPhường A\thn\nhn\tHà Nội\t\n",
            "utf-16",
        ),  # «Unicode Text»
        (
            '"id";"name";"parent_id"\n"hn-b";"Xã B";"hn"\n"hn";"Hà Nội";""\n"hn-a";"Phường A";"hn"\n',
            "utf-8-sig",
        ),
    ],
    ids=["comma", "comma-bom", "excel-sep-line", "utf-16-tabs", "quoted-semicolons"],
)
def test_what_excel_saves_is_read(sqlite_url: str, tmp_path: Path, content: str, encoding: str) -> None:
    proc = imported(sqlite_url, write(tmp_path / "units.csv", content, encoding))
    assert (proc.returncode, proc.stdout.strip(), proc.stderr) == (0, "OK: 3 units imported", "")
    assert tree(sqlite_url) == HANOI


async def test_a_loop_through_two_imports_is_refused_and_nothing_is_written(
    db_url: str, tmp_path: Path
) -> None:
    first = write(tmp_path / "a.csv", "id,name,parent_id\nhn,Hà Nội,\nhn-a,Phường A,hn\nhn-b,Xã B,hn\n")
    assert (await asyncio.to_thread(imported, db_url, first)).returncode == 0
    # Hà Nội under its own commune, plus a new unit: the loop is refused, the new unit not written.
    second = write(tmp_path / "b.csv", "id,name,parent_id\nhn-c,Xã C,hn\nhn,Hà Nội,hn-a\n")
    line = one_line(await asyncio.to_thread(imported, db_url, second))
    assert line.startswith(f"{second}:3: ")
    assert "hn → hn-a → hn" in line
    assert await asyncio.to_thread(tree, db_url) == HANOI


@pytest.mark.parametrize(
    ("content", "where", "named"),
    [
        ("id,name,parent_id\nhn,Hà Nội,\nx,Xã X,x\n", 3, "unit 'x' cannot be its own parent"),
        ("id,name,parent_id\np,P,q\nq,Q,r\nr,R,p\n", 2, "p → q → r → p"),
        ("id,name,parent_id\nhn,Hà Nội,\nq,Q,r\nr,R,q\n", 3, "q → r → q"),
    ],
    ids=["own-parent", "three-units", "two-units-beside-a-good-one"],
)
async def test_a_loop_in_one_file_is_refused(
    sqlite_url: str, tmp_path: Path, content: str, where: int, named: str
) -> None:
    path = write(tmp_path / "units.csv", content)
    line = one_line(await asyncio.to_thread(imported, sqlite_url, path))
    assert line.startswith(f"{path}:{where}: ") and named in line
    assert await stored(sqlite_url) == []


def cp1258(text: str) -> bytes:
    # Excel's "CSV (Comma delimited)" on Vietnamese Windows: code page 1258, no BOM.
    return text.encode("cp1258")


BAD_FILES = {
    # name: (bytes of the file or None for no file at all, line, what the one line says)
    "no-such-file": (None, 1, "cannot read the file (no such file)"),
    "empty": (b"", 1, "the file is empty"),
    "header-only": (b"id,name,parent_id\n", 1, "no units"),
    "wrong-header": ("mã,tên\nhn,Hà Nội\n".encode(), 1, "missing id, name"),
    "duplicate-id": (b"id,name\nhn,Ha Noi\nhn,Ha Noi 2\n", 3, "'hn' appears twice (also line 2)"),
    "unknown-parent": (b"id,name,parent_id\nhn-a,Phuong A,hn\n", 2, "parent 'hn' of unit 'hn-a' is neither"),
    "id-with-spaces": (b"id,name\nha noi,Ha Noi\n", 2, "id 'ha noi' must be"),
    "upper-case-id": (b"id,name\nHN,Ha Noi\n", 2, "id 'HN' must be"),
    "control-characters": (b"id,name\nhn\x1b[31m,Ha Noi\n", 2, "id 'hn\\x1b[31m' must be"),
    "no-name": (b"id,name\nhn,\n", 2, "unit 'hn' has no name"),
    "name-too-long": (("id,name\nhn," + "x" * 121 + "\n").encode(), 2, "over 120 characters"),
    "windows-1258": (cp1258("id,name\nhn,Hà Nam\n"), 2, "not UTF-8 text"),
    "broken-utf-16": (b"\xff\xfei\x00d\x00\x00\xd8", 1, "damaged UTF-16"),
    "eleven-levels": (
        ("id,name,parent_id\nu1,U1,\n" + "".join(f"u{n},U{n},u{n - 1}\n" for n in range(2, 12))).encode(),
        12,
        "unit 'u11' would sit 11 levels deep; at most 10",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
async def test_a_bad_file_is_one_line_and_writes_nothing(sqlite_url: str, tmp_path: Path, case: str) -> None:
    content, where, says = BAD_FILES[case]
    path = tmp_path / "units.csv"
    if content is not None:
        path.write_bytes(content)
    line = one_line(await asyncio.to_thread(imported, sqlite_url, path))
    assert line.startswith(f"{path}:{where}: ") and says in line, line
    assert await stored(sqlite_url) == []


async def test_several_problems_are_listed_and_nothing_is_written(sqlite_url: str, tmp_path: Path) -> None:
    path = write(tmp_path / "units.csv", "id,name,parent_id\nhn,Hà Nội,\nhn a,Phường A,hn\nhn-b,,hn\n")
    proc = await asyncio.to_thread(imported, sqlite_url, path)
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.splitlines() == [
        f"{path}:3: id 'hn a' must be 1–40 of a-z, 0-9 and '-', no spaces (e.g. hn-phuc-xa)",
        f"{path}:4: unit 'hn-b' has no name",
        "2 problems; nothing was imported",
    ]
    assert await stored(sqlite_url) == []


def test_a_directory_and_a_huge_file_are_one_line(sqlite_url: str, tmp_path: Path) -> None:
    line = one_line(imported(sqlite_url, tmp_path))
    assert line == f"{tmp_path}:1: cannot read the file (not a regular file)"
    huge = tmp_path / "huge.csv"
    with huge.open("w", encoding="utf-8") as out:
        out.write("id,name\n")
        out.writelines(f"x{n},Xã {n}\n" for n in range(400_000))
    assert one_line(imported(sqlite_url, huge)) == f"{huge}:1: the file is too big (over 5 MB)"


# --- a database that already holds a loop ----------------------------------------------------------


async def seed_loop(db_url: str) -> None:
    """What an older `units import` let through: a ⇄ b, and x its own parent; people in them."""
    db = Database(db_url)
    await db.migrate()
    try:
        async with db.transaction() as repo:
            for statement in (
                "INSERT INTO units (id, name, parent_id, kind) VALUES ('a', 'Xã A', NULL, 'xa')",
                "INSERT INTO units (id, name, parent_id, kind) VALUES ('b', 'Xã B', 'a', 'xa')",
                "UPDATE units SET parent_id = 'b' WHERE id = 'a'",
                "INSERT INTO units (id, name, parent_id, kind) VALUES ('x', 'Xã X', 'x', 'xa')",
            ):
                await repo.session.execute(text(statement))
            await repo.grant("console", "org", "organizer", "a", T0)
            await repo.grant("console", "tnv", "volunteer", "b", T0)
            for learner, unit in (("hv1", "a"), ("hv2", "b"), ("hv3", "x")):
                person = await repo.grant("console", learner, "learner", unit, T0)
                # A learner is someone who started a lesson (or joined a class): each started one.
                repo.add(
                    Progress(
                        user_id=person.id,
                        lesson_id="thu-nghiem",
                        step_id="chao",
                        started_at=T0,
                        updated_at=T0,
                        first_started_at=T0,
                    )
                )
    finally:
        await db.close()


def csv_rows(output: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(output)))


async def test_a_loop_already_in_the_database_does_not_hang(db_url: str, tmp_path: Path) -> None:
    await seed_loop(db_url)

    summary = await asyncio.to_thread(hocvuso, db_url, "report", "--unit", "a", "--format", "csv")
    assert summary.returncode == 0, summary.stderr
    learners = {row["metric"]: row["actual"] for row in csv_rows(summary.stdout)}["learners"]
    assert learners == "2"  # hv1 in a and hv2 in b; not hv3 in x

    by_unit = await asyncio.to_thread(hocvuso, db_url, "report", "--by", "unit", "--format", "csv")
    assert by_unit.returncode == 0, by_unit.stderr
    rows = {row["unit_id"]: row for row in csv_rows(by_unit.stdout)}
    assert sorted(rows) == ["a", "b", "x"]  # each unit once, none lost to the loop
    assert (rows["a"]["learners"], rows["b"]["learners"], rows["x"]["learners"]) == ("2", "1", "1")

    chat = await asyncio.to_thread(
        hocvuso, db_url, "chat", "--user", "org", stdin="/thongke\n/tnv\n/moi b\n/moi x\n"
    )
    assert chat.returncode == 0, chat.stderr
    said = chat.stdout.split("\n> ")
    assert "📊" in said[1] and "— Xã A" in said[1] and "Người học: 2 " in said[1]
    assert "👥 Tình nguyện viên (1):" in said[2] and "· b · 0 học viên" in said[2]  # tnv, in b
    assert "Lời mời làm tình nguyện viên của Xã B" in said[3]
    assert "Lời mời" not in said[4]  # x is outside a's scope

    listing = await asyncio.to_thread(hocvuso, db_url, "units", "list")
    assert listing.returncode == 1
    assert sorted(line.strip() for line in listing.stdout.splitlines()) == [
        "a  Xã A  (xa)",
        "b  Xã B  (xa)",
        "x  Xã X  (xa)",
    ]
    problems = listing.stderr.splitlines()
    assert len(problems) == 2 and "a → b → a" in problems[0] and "x → x" in problems[1]

    # The store's own answers, in-process now that the commands above have shown they end.
    db = Database(db_url)
    try:
        async with db.reader() as repo:
            assert sorted(await repo.scope("a")) == ["a", "b"]
            assert await repo.scope("x") == ["x"]
            assert [u.external_id for u in await repo.organizers_for("b")] == ["org"]
    finally:
        await db.close()

    # An import that leaves the loop in place is refused; one that mends it is taken.
    other = write(tmp_path / "other.csv", "id,name\nhcm,TP. Hồ Chí Minh\n")
    refused = await asyncio.to_thread(imported, db_url, other)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert refused.stderr.splitlines() == [
        f"{other}:1: the database already holds a loop (unit → its parent): {loop}; "
        "give one of these units another parent in this file"
        for loop in ("a → b → a", "x → x")
    ] + ["2 problems; nothing was imported"]
    fix = write(tmp_path / "fix.csv", "id,name,parent_id\na,Xã A,\nx,Xã X,a\n")
    assert (await asyncio.to_thread(imported, db_url, fix)).stdout.strip() == "OK: 2 units imported"
    assert await asyncio.to_thread(tree, db_url) == ["a  Xã A  (tinh)", "  b  Xã B  (xa)", "  x  Xã X  (xa)"]
    again = write(tmp_path / "again.csv", "id,name,parent_id\na,Xã A,x\n")
    assert "a → x → a" in one_line(await asyncio.to_thread(imported, db_url, again))


async def test_the_store_refuses_to_put_a_unit_under_itself(db_url: str) -> None:
    from bot.store.queries.units import UnitLoopError

    db = Database(db_url)
    await db.migrate()
    try:
        async with db.transaction() as repo:
            await repo.upsert_unit("hn", "Hà Nội", None, "tinh")
            await repo.upsert_unit("hn-a", "Phường A", "hn", "xa")
        with pytest.raises(UnitLoopError, match="hn → hn-a → hn"):
            async with db.transaction() as repo:
                await repo.upsert_unit("hn", "Hà Nội", "hn-a", "tinh")
        async with db.reader() as repo:
            assert (await repo.unit("hn")).parent_id is None
    finally:
        await db.close()
