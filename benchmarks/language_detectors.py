"""Language detectors side by side on the held-out language set (docs/classifier.md).

    python -m benchmarks.language_detectors [--out benchmarks/results/language-detectors.json]

Each candidate runs in a fresh subprocess, so its load time and the resident memory it adds
(VmRSS after loading minus before) are its own. Accuracy is per language on
classifiers/data/language_heldout.jsonl (600 tips in 28 languages and 20 in none, whose
right answer is "und") and overall on the triage held-out set (classifiers/data/heldout.jsonl,
11 languages, much of it romanised or unaccented). Time per call is over every text of both.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import subprocess
import sys
import time
from collections.abc import Callable

from classifiers import corpus, language
from classifiers.data import languages
from classifiers.verdict import UNDETERMINED

CANDIDATES = ("lingua-supported", "lingua-all-low", "lingua-all-high", "fasttext", "tipline")
DEFAULT_OUT = pathlib.Path("benchmarks/results/language-detectors.json")


def _rss_kib() -> int:
    for line in pathlib.Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _lingua(*, subset: bool, low: bool) -> Callable[[str], str]:
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder  # noqa: PLC0415

    if subset:  # what classifiers/language.py did before: the corpus's languages only
        chosen = [
            Language.from_iso_code_639_1(getattr(IsoCode639_1, c.upper()))
            for c in language.SUPPORTED
        ]
        builder = LanguageDetectorBuilder.from_languages(*chosen)
    else:
        builder = LanguageDetectorBuilder.from_all_languages()
    if low:
        builder = builder.with_low_accuracy_mode()
    detector = builder.with_preloaded_language_models().build()

    def code(text: str) -> str:
        values = detector.compute_language_confidence_values(text)
        if not values or values[0].value < 0.5:  # the floor classifiers/language.py used
            return UNDETERMINED
        return str(values[0].language.iso_code_639_1.name.lower())

    return code


def _fasttext() -> Callable[[str], str]:
    import fasttext  # noqa: PLC0415

    model = fasttext.load_model(str(language.model_path()))

    def code(text: str) -> str:
        labels, probabilities = model.predict(" ".join(text.split()), k=1)
        if not labels or float(probabilities[0]) < language.MIN_CONFIDENCE:
            return UNDETERMINED
        label = str(labels[0]).removeprefix("__label__")
        return language.FOLD.get(label, label)

    return code


def _build(name: str) -> Callable[[str], str]:
    if name == "tipline":
        return language.LanguageDetector().code
    if name == "fasttext":
        return _fasttext()
    return _lingua(subset=name == "lingua-supported", low=name == "lingua-all-low")


def measure(name: str) -> dict[str, object]:
    """Load `name` in this process and measure it (called in a fresh subprocess)."""
    samples = languages.load(languages.DEFAULT_PATH)
    triage = corpus.load(corpus.default_paths()[1])
    before = _rss_kib()
    started = time.perf_counter()
    detect = _build(name)
    load_s = time.perf_counter() - started
    added_mib = (_rss_kib() - before) / 1024
    times: list[float] = []

    def timed(text: str) -> str:
        t0 = time.perf_counter()
        code = detect(text)
        times.append(time.perf_counter() - t0)
        return code

    per: dict[str, list[int]] = {}
    for sample in samples:
        right = timed(sample.text) == sample.language
        per.setdefault(sample.language, [0, 0])[0] += right
        per[sample.language][1] += 1
    triage_right = sum(timed(row.text) == row.language for row in triage)
    spoken = [s for s in samples if s.language != UNDETERMINED]
    times.sort()
    return {
        "name": name,
        "load_s": round(load_s, 3),
        "rss_added_mib": round(added_mib, 1),
        "p50_us": round(times[len(times) // 2] * 1e6, 1),
        "p99_us": round(times[int(len(times) * 0.99)] * 1e6, 1),
        "overall": round(sum(per[s][0] for s in per if s != UNDETERMINED) / len(spoken), 4),
        "unknown_right": round(per[UNDETERMINED][0] / per[UNDETERMINED][1], 3),
        "triage_heldout": round(triage_right / len(triage), 4),
        "per_language": {code: round(r / n, 3) for code, (r, n) in sorted(per.items())},
    }


def main(argv: list[str] | None = None) -> int:
    """Run every candidate in its own process, print the table and save the results."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--one", choices=CANDIDATES, help=argparse.SUPPRESS)
    parser.add_argument("--only", nargs="*", choices=CANDIDATES, default=list(CANDIDATES))
    parser.add_argument("--out", type=pathlib.Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(measure(args.one)))
        return 0
    results = []
    for name in args.only:
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.language_detectors", "--one", name],
            check=True,
            capture_output=True,
            text=True,
        )
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(_row(results[-1]), flush=True)
    codes = sorted({c for r in results for c in r["per_language"]})
    print("per language: " + " ".join(f"{r['name']}" for r in results))
    for code in codes:
        cells = " ".join(f"{r['per_language'].get(code, 0):.2f}" for r in results)
        print(f"  {code:4} {cells}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1) + "\n")
    return 0


def _row(r: dict[str, object]) -> str:
    return (
        f"{r['name']:17} overall {r['overall']:.3f}  unknown {r['unknown_right']:.2f}  "
        f"triage {r['triage_heldout']:.3f}  load {r['load_s']:.2f} s  "
        f"+{r['rss_added_mib']} MiB  p50 {r['p50_us']} us  p99 {r['p99_us']} us"
    )


if __name__ == "__main__":
    raise SystemExit(main())
