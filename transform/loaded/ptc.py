"""Read the SemEval-2020 Task 11 propaganda corpus (PTC) as loaded-language training rows.

PTC ships one ``article<ID>.txt`` per news article (one sentence or paragraph per line) and,
for the technique-classification subtask, ``article<ID>.task2-TC.labels`` files whose lines are
``<ID> TAB <technique> TAB <start> TAB <end>``: character offsets into the article file. Every
non-blank line becomes one row, grouped by article so cross-validation never splits one.

Only the techniques that are loaded language map to a category of the project's taxonomy
(docs/loaded-language.md); a line is positive when it holds one of them. Lines whose only
technique is another one (flag-waving, whataboutism, ...) are negatives here: they persuade by
argument structure, not by wording.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from extract.errors import ParseError
from transform.loaded.model import TrainRow

TECHNIQUE_CATEGORIES = {
    "Loaded_Language": "emotive",
    "Name_Calling,Labeling": "name_calling",
    "Exaggeration,Minimisation": "exaggeration",
    "Doubt": "doubt",
}


def _labels(path: Path) -> dict[str, list[tuple[int, int, str]]]:
    """Technique spans per article id, from every ``*.task2-TC.labels`` (or ``*-TC.labels``) below ``path``."""
    spans: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    files = sorted(path.rglob("*TC.labels")) + sorted(path.rglob("*TC.txt"))
    if not files:
        raise ParseError(
            f"{path}: no technique labels found: expected article<ID>.task2-TC.labels files "
            "(lines: id<TAB>technique<TAB>start<TAB>end)"
        )
    for file in files:
        for line_no, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            parts = line.split("\t")
            if len(parts) != 4:
                raise ParseError(f"{file}: line {line_no}: expected id<TAB>technique<TAB>start<TAB>end, got {line!r}")
            article, technique, start, end = parts
            try:
                a, b = int(start), int(end)
            except ValueError:
                raise ParseError(f"{file}: line {line_no}: offsets must be integers, got {start!r}, {end!r}") from None
            category = TECHNIQUE_CATEGORIES.get(technique)
            if category is not None and b > a:
                spans[article].append((a, b, category))
    return spans


def read_ptc(path: str | Path) -> list[TrainRow]:
    """Rows (one per non-blank article line) of the PTC articles and TC labels under ``path``."""
    root = Path(path)
    if not root.is_dir():
        raise ParseError(f"{root}: expected the PTC folder (article<ID>.txt files and their TC labels)")
    spans = _labels(root)
    articles = sorted(root.rglob("article*.txt"))
    if not articles:
        raise ParseError(f"{root}: no article<ID>.txt files found")
    rows: list[TrainRow] = []
    for file in articles:
        article = file.stem.removeprefix("article")
        text = file.read_text(encoding="utf-8")
        offset = 0
        for line in text.split("\n"):
            start, end = offset, offset + len(line)
            offset = end + 1
            stripped = line.strip()
            if not stripped:
                continue
            lead = len(line) - len(line.lstrip())
            a0 = start + lead
            inside = tuple(
                (max(s, a0) - a0, min(e, a0 + len(stripped)) - a0, c)
                for s, e, c in spans.get(article, [])
                if s < a0 + len(stripped) and e > a0
            )
            rows.append(TrainRow(stripped, int(bool(inside)), inside, f"ptc:{article}", False))
    return rows
