"""table.py ROUND4_MD RESULTS_TSV [VERDICTS_TSV]: the rows of a run (run.sh's results.tsv) beside
round 4's (the classic table, with its "After the fixes" rows), one markdown row per trial:
id, input, classic exit and first line, this run's exit, first line and next good build, and a
verdict: the one VERDICTS_TSV gives (id, verdict, notes), else classic's verdict when the exit and
the first line (paths aside) are the same ("as classic"), else "differs" (to be judged by hand)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROW = re.compile(r"^\| (?P<cells>.*) \|$")
TRIAL_ID = re.compile(r"^(N?\d+|R\d|X\d)$")
# round 4's R rows are the harness's X trials (R1 is trial 16's second build)
R_TO_X = {"R2": "X2", "R3": "X1", "R4": "X3"}


def cells(line: str) -> list[str] | None:
    match = ROW.match(line.strip())
    if match is None:
        return None
    return [c.strip() for c in re.split(r"(?<!\\) \| ", match["cells"])]


def classic_rows(text: str) -> dict[str, dict[str, str]]:
    rows: dict[str, dict[str, str]] = {}
    section = ""
    for line in text.splitlines():
        if line.startswith("## "):
            section = line[3:]
            continue
        row = cells(line)
        if row is None or not TRIAL_ID.match(row[0].split(" ")[0].rstrip(",")):
            continue
        if section.startswith("The 97"):
            rid, inp, ex, first, verdict = row[:5]
        elif section.startswith("The 110"):
            rid, _group, inp, ex, first, verdict = row[:6]
        elif section.startswith("New trials"):
            rid, inp, ex, first, verdict = row[:5]
            if rid == "R1":
                continue  # (trial 16's second build: its row's second result)
            rid = R_TO_X.get(rid, rid)
        elif section.startswith("After the fixes"):
            for part in row[0].split(", "):
                for one in part.split(" / "):
                    one = R_TO_X.get(one, one)
                    if one in rows:
                        rows[one].update(exit=row[1], first=row[2], verdict=row[3])
            continue
        else:
            continue
        rows[rid] = {"input": inp, "exit": ex, "first": first, "verdict": verdict}
    return rows


def plain(text: str) -> str:
    text = re.sub(r"/tmp/[^ ')]*/(run/[A-Z0-9]+|state|run)/", "", text)
    text = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", text)
    return text.replace("\\|", "|").strip()


def same(exit_a: str, exit_b: str) -> bool:
    return exit_a.replace(" ", "") == exit_b.replace(" ", "")


def main(argv: list[str]) -> int:
    classic = classic_rows(Path(argv[0]).read_text(encoding="utf-8"))
    results: dict[str, list[str]] = {}
    for line in Path(argv[1]).read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split("\t")
        if len(parts) >= 5:
            results[parts[0]] = parts
    verdicts: dict[str, list[str]] = {}
    if len(argv) > 2:
        for line in Path(argv[2]).read_text(encoding="utf-8").splitlines():
            parts = line.split("\t")
            if len(parts) >= 2 and not line.startswith("#"):
                verdicts[parts[0]] = parts
    print(
        "| id | input / fault | classic (round 4): exit, first line (verdict) | CNB: exit | CNB: first line "
        "| next | CNB verdict | notes |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for rid, row in classic.items():
        got = results.get(rid)
        classic_cell = f"{row['exit']}: {row['first']} ({row['verdict']})"
        if got is None:
            print(f"| {rid} | {row['input']} | {classic_cell} | not run | - | - | - | |")
            continue
        _, ex, first, nxt, notes = got[:5]
        if rid in verdicts:
            verdict = verdicts[rid][1]
            notes = verdicts[rid][2] if len(verdicts[rid]) > 2 and verdicts[rid][2] else notes
        elif ex == "n/a":
            verdict = "n/a"
        elif same(ex, row["exit"]) and plain(first)[:60] == plain(row["first"])[:60]:
            verdict = f"{row['verdict']} (as classic)"
        else:
            verdict = "differs"
        esc = [plain(x).replace("|", "\\|") for x in (first, notes)]
        print(f"| {rid} | {row['input']} | {classic_cell} | {ex} | {esc[0]} | {nxt} | {verdict} | {esc[1]} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
