"""False alarms on the held-out set (not a test): who fired, why, and the precision-recall curve.

    .venv/bin/python -m benchmarks.false_alarms [--label after] [--runtime onnx] [--file FILE]
        [--blind]

For every held-out row called `emergency` that is not one it prints the source that fired
(a safety-net pattern, by id; the model with P(emergency) the highest of the three; or the
"possible emergency ... flagged to be safe" band between the threshold and the arg-max) and
a cause read off the row (`cause_of`): hyperbole, game or fiction, sport or hunting, prank,
food, an event that is over, greeting or test, bullying, misconduct, drugs, other; for an
urgent row the cause is the urgent situation (`urgent: abuse` ...). Then the rate of false
alarms per cause (over every non-emergency row of that cause), the figures per language,
and the precision-recall curve of P(emergency), the model alone and with the safety net.
`--file` reads another labelled file in the same format (the second, blind held-out set,
classifiers/data/heldout_fresh.jsonl). Results go to
`benchmarks/results/false-alarms-<label>.json`. Nothing here is tuned on the held-out set:
the thresholds come from the training corpus (classifiers.train).

A file whose rows name their own `cause` (classifiers/data/heldout_fresh2.jsonl, written
with one) is counted by that cause, not by the words. `--blind` prints and saves no row's
text, only ids, labels, causes, sources and probabilities: a set nobody has read stays
unread after it is measured.
"""

from __future__ import annotations

import argparse
import collections
import json
import pathlib
import re
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

from classifiers import corpus, decide, heads, load_engine
from classifiers.heads import Thresholds
from classifiers.verdict import EMERGENCY, URGENCIES, URGENT, Verdict

RESULTS = pathlib.Path(__file__).parent / "results"
_E = URGENCIES.index(EMERGENCY)
CURVE = (0.01, 0.02, 0.025, 0.03, 0.035, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.7, 0.9)

# Words that tell the cause of a routine report about "other" (normalised: lowercase).
# Checked in this order; the first that matches wins.
_CAUSES: tuple[tuple[str, str], ...] = (
    (
        "game or fiction",
        r"gta|fortnite|minecraft|game|book|novel|play\b|drama|film|movie|thirteen"
        r"|warzone|valorant|\bvalo\b|pubg|\bкс|话剧|道具|short story",
    ),
    (
        "sport or hunting",
        r"practice|shoot more|jump shot|tryouts|hunting|range|deer|turnier|ball-trap"
        r"|tir sportif|охот|карабин",
    ),
    ("prank", r"prank|broma|blague|pegadinha|streich|scherzo"),
    ("food", r"cafeteria|lunch|food|comida|cantine|mensa|食堂|canteen"),
    (
        "hyperbole",
        r"kill|kms|jump off|matar|matando|\bmata\b|tuer|tue\b|bringt? (?:er )?mich um"
        r"|bringen mich um|killen|ammazz|uccid|giết|toang|muốn chết|死|命|杀|هيموت|يدبح|ذابح"
        r"|تذبح|يقتلني|убь|прибьют|добивает|закопа|papatayin|mamamatay|lagot|ililibing|dying"
        r"|dead man|end me",
    ),
    (
        "event that is over",
        r"last year|years ago|used to|passed away|memorial|already|handled|erledigt|vorbei",
    ),
    (
        "greeting or test",
        r"^(?:hello|hi|hola|bonjour|allo|oi|olá|hallo|ciao|xin chào|alo|你好|在吗|مرحبا|السلام"
        r"|привет|алло|test|coucou|هلا)",
    ),
)
_ROUTINE_TOPIC = {"bullying": "bullying", "misconduct": "misconduct", "substance": "drugs"}


def named_causes(path: pathlib.Path) -> dict[str, str]:
    """Row id -> the `cause` a labelled file's row names, for the rows that name one."""
    named: dict[str, str] = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                data = json.loads(line)
                if isinstance(data.get("cause"), str) and data["cause"].strip():
                    named[str(data["id"])] = data["cause"].strip()
    return named


def cause_of(row: corpus.Row, named: dict[str, str] | None = None) -> str:
    """The cause of a non-emergency row: the one its file names, else read off its labels
    and words (see _CAUSES)."""
    if named and row.id in named:
        return named[row.id]
    if row.urgency == URGENT:
        return f"urgent: {row.category}"
    if row.category in _ROUTINE_TOPIC:
        return _ROUTINE_TOPIC[row.category]
    if row.category != "other":  # a real danger, but past and handled (labelling.md)
        return "event that is over"
    text = row.text.lower()
    for cause, words in _CAUSES:
        if re.search(words, text):
            return cause
    return "other"


def source_of(evidence: decide.Evidence, thresholds: Thresholds) -> str:
    """What called it an emergency: the safety net (pattern ids), the model, or the band."""
    if evidence.hits:
        return "net: " + ", ".join(hit.pattern.id for hit in evidence.hits)
    p = evidence.urgency
    if p[_E] < thresholds.emergency_for(evidence.language.code):
        return "none"
    return "model (p = max)" if p[_E] == p.max() else "band (threshold <= p < max)"


def _ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 3) if denominator else None


def curve(p_e: np.ndarray, hit: np.ndarray, is_e: np.ndarray) -> list[dict[str, Any]]:
    """Recall, precision and false alarms at each threshold, the model alone and with the net."""
    points = []
    for threshold in CURVE:
        point: dict[str, Any] = {"threshold": threshold}
        for name, called in (("model", p_e >= threshold), ("with_net", (p_e >= threshold) | hit)):
            caught = int((called & is_e).sum())
            point[name] = {
                "recall": _ratio(caught, int(is_e.sum())),
                "precision": _ratio(caught, int(called.sum())),
                "false_alarms": int((called & ~is_e).sum()),
            }
        points.append(point)
    return points


def analyse(
    rows: Sequence[corpus.Row],
    evidence: Sequence[decide.Evidence],
    verdicts: Sequence[Verdict],
    thresholds: Thresholds,
    *,
    named: dict[str, str] | None = None,
    blind: bool = False,
) -> dict[str, Any]:
    """Every figure of the report, as plain data (the JSON that is saved); `named` causes
    win over the words; `blind` leaves every text out."""
    alarms: list[dict[str, Any]] = []
    per_language: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    causes: collections.Counter[str] = collections.Counter()
    cause_alarms: collections.Counter[str] = collections.Counter()
    for row, ev, verdict in zip(rows, evidence, verdicts, strict=True):
        called = verdict.urgency == EMERGENCY
        counts = per_language[row.language]
        counts["emergencies"] += row.urgency == EMERGENCY
        counts["caught"] += called and row.urgency == EMERGENCY
        counts["called"] += called
        counts["urgent"] += row.urgency == URGENT
        counts["urgent_called"] += called and row.urgency == URGENT
        if row.urgency == EMERGENCY:
            continue
        cause = cause_of(row, named)
        causes[cause] += 1
        if called:
            cause_alarms[cause] += 1
            alarms.append({
                "id": row.id, "language": row.language, "label": f"{row.urgency}/{row.category}",
                "cause": cause, "source": source_of(ev, thresholds),
                "p_emergency": round(float(ev.urgency[_E]), 3),
                **({} if blind else {"text": row.text}),
            })  # fmt: skip
    total = collections.Counter[str]()
    for counts in per_language.values():
        total.update(counts)
    languages = {"all": total, **dict(sorted(per_language.items()))}
    is_e = np.array([r.urgency == EMERGENCY for r in rows])
    p_e = np.array([float(ev.urgency[_E]) for ev in evidence])
    hit = np.array([bool(ev.hits) for ev in evidence])
    return {
        "threshold": thresholds.emergency,
        "by_language": dict(thresholds.by_language),
        "per_language": {
            lang: {
                "recall": _ratio(c["caught"], c["emergencies"]),
                "precision": _ratio(c["caught"], c["called"]),
                "false_alarms": c["called"] - c["caught"],
                "urgent_called_emergency": _ratio(c["urgent_called"], c["urgent"]),
            }
            for lang, c in languages.items()
        },
        "by_cause": {
            cause: {
                "rows": n,
                "false_alarms": cause_alarms[cause],
                "rate": _ratio(cause_alarms[cause], n),
            }
            for cause, n in sorted(causes.items(), key=lambda kv: (-cause_alarms[kv[0]], kv[0]))
        },
        "by_source": dict(collections.Counter(a["source"].split(":")[0] for a in alarms)),
        "false_alarms": sorted(alarms, key=lambda a: (a["source"], a["p_emergency"])),
        "curve": curve(p_e, hit, is_e),
    }


def render(result: dict[str, Any]) -> list[str]:
    """The printed report."""
    lines = [
        f"threshold {result['threshold']}, by language {result['by_language']}",
        "",
        "false alarms (source, cause):",
    ]
    for a in result["false_alarms"]:
        lines.append(
            f"  {a['id']} {a['language']} {a['label']:<20} {a['cause']:<20} "
            f"{a['source']:<30} p={a['p_emergency']:.3f}  {a.get('text', '')[:70]}"
        )
    lines += ["", "by source: " + json.dumps(result["by_source"]), "", "by cause (rate over rows):"]
    for cause, c in result["by_cause"].items():
        lines.append(f"  {cause:<22} {c['false_alarms']:>3} / {c['rows']:<3} {c['rate']}")
    lines += ["", "language  recall  precision  false alarms  urgent called emergency"]
    for lang, c in result["per_language"].items():
        lines.append(
            f"  {lang:<6} {c['recall']!s:>7} {c['precision']!s:>10} {c['false_alarms']:>8}"
            f" {c['urgent_called_emergency']!s:>14}"
        )
    lines += ["", "threshold  model: recall precision FA | with net: recall precision FA"]
    for p in result["curve"]:
        m, n = p["model"], p["with_net"]
        lines.append(
            f"  {p['threshold']:<7} {m['recall']!s:>7} {m['precision']!s:>9} {m['false_alarms']:>4}"
            f" | {n['recall']!s:>7} {n['precision']!s:>9} {n['false_alarms']:>4}"
        )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Classify the held-out file, print the report, save the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", default="now", help="names the results file")
    parser.add_argument("--runtime", default="onnx", choices=("onnx", "torch"))
    parser.add_argument("--cache-dir", type=pathlib.Path, default=pathlib.Path(".cache"))
    parser.add_argument("--heads", type=pathlib.Path, default=heads.DEFAULT_PATH)
    parser.add_argument(
        "--file", type=pathlib.Path, default=None, help="labelled file (default heldout.jsonl)"
    )
    parser.add_argument(
        "--blind", action="store_true", help="print and save no row's text (a set kept unread)"
    )
    args = parser.parse_args(argv)
    path = args.file or corpus.default_paths()[1]
    try:
        rows = corpus.load(path)
        named = named_causes(path)
    except (OSError, ValueError) as exc:
        parser.error(str(exc))
    engine = load_engine(
        model_dir=None,
        cache_dir=args.cache_dir,
        progress=lambda _: None,
        runtime=args.runtime,
        heads_path=args.heads,
    )
    evidence = [
        ev
        for s in range(0, len(rows), 32)
        for ev in engine.evidence([r.text for r in rows[s : s + 32]])
    ]
    verdicts = [decide.decide(ev, engine.thresholds) for ev in evidence]
    result = {"file": path.name}
    result |= analyse(rows, evidence, verdicts, engine.thresholds, named=named, blind=args.blind)
    sys.stdout.write("\n".join(render(result)) + "\n")
    RESULTS.mkdir(exist_ok=True)
    saved = RESULTS / f"false-alarms-{args.label}.json"
    saved.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    sys.stdout.write(f"saved {saved}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
