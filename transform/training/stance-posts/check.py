#!/usr/bin/env python3
"""Validate the stance-posts data set (standard library only, Python 3.11).

Usage: python3 check.py [DIR]   (DIR defaults to this script's folder)

Checks every posts-*.jsonl file and prints counts per label, phenomenon and
topic. Exits non-zero, printing "file:line: what is wrong", on any error.
"""

import json
import re
import sys
from collections import Counter
from pathlib import Path

LABELS = {"favor", "against", "neither"}
TOPICS = {"uk-local", "uk-national", "us-state", "us-national", "us-local"}
PHENOMENA = {
    "direct-attack",
    "direct-praise",
    "quoted-opponent",
    "quoted-ally",
    "rebuttal",
    "pronoun",
    "short-name",
    "neutral-report",
    "mixed",
    "sarcasm",
    "passing-mention",
    "two-targets-opposed",
    "target-speaks",
}
POST_KEYS = {"id", "title", "paragraphs", "targets", "topic", "phenomena"}
TARGET_KEYS = {"name", "aliases", "short_names", "label", "why"}
MIN_WORDS, MAX_WORDS = 40, 180
OPPOSITE_QUOTE = {"quoted-opponent", "quoted-ally", "rebuttal"}


def occurs(needle, text):
    """Whole-word, case-sensitive occurrence count of needle in text."""
    pat = r"(?<![\w])" + re.escape(needle) + r"(?![\w])"
    return len(re.findall(pat, text))


def check_post(post, where, errors):
    def err(msg):
        errors.append(f"{where}: {msg}")

    if not isinstance(post, dict):
        err("line is not a JSON object")
        return None
    missing = POST_KEYS - post.keys()
    extra = post.keys() - POST_KEYS
    if missing:
        err(f"missing fields {sorted(missing)}")
        return None
    if extra:
        err(f"unknown fields {sorted(extra)}")
    if not isinstance(post["title"], str) or not post["title"].strip():
        err("title must be a non-empty string")
    paras = post["paragraphs"]
    if not isinstance(paras, list) or not 3 <= len(paras) <= 8:
        err(f"need 3-8 paragraphs, got {len(paras) if isinstance(paras, list) else type(paras).__name__}")
        return None
    texts = []
    for i, p in enumerate(paras, 1):
        if not isinstance(p, dict) or set(p.keys()) != {"text", "quote"}:
            err(f"paragraph {i} must have exactly 'text' and 'quote'")
            continue
        if not isinstance(p["text"], str) or not isinstance(p["quote"], bool):
            err(f"paragraph {i}: text must be str, quote must be bool")
            continue
        n = len(p["text"].split())
        if not MIN_WORDS <= n <= MAX_WORDS:
            err(f"paragraph {i} has {n} words (allowed {MIN_WORDS}-{MAX_WORDS})")
        texts.append(p["text"])
    full = "\n".join([post["title"]] + texts)
    body = "\n".join(texts)
    if post["topic"] not in TOPICS:
        err(f"bad topic {post['topic']!r}")
    ph = post["phenomena"]
    if not isinstance(ph, list) or not ph:
        err("phenomena must be a non-empty list")
        ph = []
    for x in ph:
        if x not in PHENOMENA:
            err(f"unknown phenomenon {x!r}")
    if len(set(ph)) != len(ph):
        err("duplicate phenomena")
    targets = post["targets"]
    if not isinstance(targets, list) or not 1 <= len(targets) <= 3:
        err("need 1-3 targets")
        return None
    names = set()
    mentions = []
    for j, t in enumerate(targets, 1):
        if not isinstance(t, dict) or set(t.keys()) != TARGET_KEYS:
            err(f"target {j} must have exactly fields {sorted(TARGET_KEYS)}")
            mentions.append(0)
            continue
        name = t["name"]
        if not isinstance(name, str) or not name:
            err(f"target {j}: empty name")
            mentions.append(0)
            continue
        if name in names:
            err(f"target {j}: duplicate target {name!r}")
        names.add(name)
        if t["label"] not in LABELS:
            err(f"target {name!r}: bad label {t['label']!r}")
        if not isinstance(t["why"], str) or len(t["why"].split()) < 5:
            err(f"target {name!r}: 'why' must be a sentence")
        if occurs(name, body) == 0:
            err(f"target name {name!r} does not appear verbatim in any paragraph")
        count = occurs(name, body)
        for field in ("aliases", "short_names"):
            vals = t[field]
            if not isinstance(vals, list) or not all(isinstance(v, str) and v for v in vals):
                err(f"target {name!r}: {field} must be a list of strings")
                continue
            for v in vals:
                c = occurs(v, body)
                if c == 0:
                    err(f"target {name!r}: {field[:-1]} {v!r} does not appear in the text")
                # avoid double counting a short name inside the full name
                if v in name:
                    c -= occurs(name, body) if occurs(v, name) else 0
                count += max(c, 0)
        mentions.append(count)
    labels = [t.get("label") for t in targets if isinstance(t, dict)]
    if "two-targets-opposed" in ph and not ("favor" in labels and "against" in labels):
        err("two-targets-opposed needs one 'favor' and one 'against' target")
    if "target-speaks" in ph and not any(p.get("quote") for p in paras if isinstance(p, dict)):
        err("target-speaks needs a quote:true paragraph")
    if "neutral-report" in ph and "neither" not in labels:
        err("neutral-report needs at least one 'neither' target")
    return {"post": post, "mentions": mentions, "full": full}


def main():
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent
    files = sorted(root.glob("posts-*.jsonl"))
    errors = []
    if not files:
        errors.append(f"{root}: no posts-*.jsonl files")
    ids = []
    good = []
    for f in files:
        for ln, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1):
            where = f"{f.name}:{ln}"
            if not line.strip():
                errors.append(f"{where}: blank line")
                continue
            try:
                post = json.loads(line)
            except json.JSONDecodeError as e:
                errors.append(f"{where}: JSON error: {e}")
                continue
            if isinstance(post, dict) and "id" in post:
                ids.append((post["id"], where))
            r = check_post(post, where, errors)
            if r:
                good.append(r)
    seen: dict[str, str] = {}
    for k, (pid, where) in enumerate(ids, 1):
        want = f"sp-{k:04d}"
        if pid in seen:
            errors.append(f"{where}: duplicate id {pid} (first at {seen[pid]})")
        seen.setdefault(pid, where)
        if pid != want:
            errors.append(f"{where}: id {pid!r} breaks the sequence (expected {want})")

    labels: Counter[str] = Counter()
    phen: Counter[str] = Counter()
    topics: Counter[str] = Counter()
    neither_multi = opp_quote = 0
    n_targets = 0
    words = 0
    for r in good:
        p = r["post"]
        topics[p["topic"]] += 1
        for x in p["phenomena"]:
            phen[x] += 1
        if OPPOSITE_QUOTE & set(p["phenomena"]):
            opp_quote += 1
        words += sum(
            len(q["text"].split()) for q in p["paragraphs"] if isinstance(q, dict) and isinstance(q.get("text"), str)
        )
        for t, m in zip(p["targets"], r["mentions"], strict=True):
            if isinstance(t, dict):
                n_targets += 1
                labels[str(t.get("label"))] += 1
                if t.get("label") == "neither" and m >= 2:
                    neither_multi += 1

    print(f"files: {len(files)}  posts: {len(good)}  target labels: {n_targets}  words: {words}")
    print("labels:")
    for name in ("against", "favor", "neither"):
        share = 100 * labels[name] / n_targets if n_targets else 0
        print(f"  {name:8s} {labels[name]:4d}  ({share:.0f}%)")
    print("phenomena (posts):")
    for name, count in sorted(phen.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  {name:20s} {count:4d}")
    print("topics (posts):")
    for name, count in sorted(topics.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  {name:12s} {count:4d}")
    print(f"posts with an opposite-stance quotation (quoted-opponent/quoted-ally/rebuttal): {opp_quote}")
    print(f"'neither' labels on targets mentioned 2+ times: {neither_multi}")
    if errors:
        print(f"\n{len(errors)} error(s):", file=sys.stderr)
        for line in errors:
            print(line, file=sys.stderr)
        sys.exit(1)
    print("OK")


if __name__ == "__main__":
    main()
