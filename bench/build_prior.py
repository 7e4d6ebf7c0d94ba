"""Build the hostility prior shipped in models/hostility-prior (see moderation/model/prior.py).

Fits the prior on every row of the permissively licensed hostility data under the data dir
(read there, never copied) plus the shipped seed labels, and writes a model folder whose
metadata and card name each source and its license:

- Davidson 2017 tweets (MIT): hostile = hate speech or offensive language;
- Civil Comments posts of ToxicSpans (CC0): hostile = at most half of the raters ticked "not toxic";
- Wikipedia talk comments of CAT, gc and gn (Apache-2.0 code; text CC BY-SA): hostile = label;
- Fox News comments (MIT): hostile = hateful;
- the 47 seed comments (this project's labels).

``--without NAME,...`` leaves datasets out, for zero-shot measurements on them.

    python bench/build_prior.py [--data DIR] [--without NAME,...] [--out DIR]

After rebuilding the shipped prior, put the sha256 of its model.npz into
``HOSTILITY_PRIOR_SHA256`` in moderation/model/store.py, and retrain the default model.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.datasets import LOADERS, data_dir, load_datasets  # noqa: E402
from moderation.comments import LABELS, Comment  # noqa: E402
from moderation.commands.train import library_versions  # noqa: E402
from moderation.io.labeled import label_matrix, load_training_data  # noqa: E402
from moderation.io.readers.lines import sha256_file  # noqa: E402
from moderation.model.prior import LEXICON_FEATURES, LEXICON_WEIGHT, MIN_DOCUMENTS, fit_prior  # noqa: E402
from moderation.model.store import write_model  # noqa: E402
from moderation.shipped import shipped_path  # noqa: E402

PRIOR_DATASETS = {
    "davidson": "MIT",
    "toxic-spans": "CC0 1.0",
    "wiki-cat": "Apache-2.0 (code); comment text CC BY-SA (Wikipedia)",
    "fox-news": "MIT",
}
DEFAULT_OUT = shipped_path("models") / "hostility-prior"


def prior_training_data(data: Path, without: set[str]) -> tuple[list[Comment], np.ndarray, list[dict]]:
    """Comments with a hostile label from the chosen datasets (every split) and the seed, their
    labels, and a description of each source for the metadata."""
    comments, labels, sources = [], [], []
    for dataset in load_datasets(data, [name for name in PRIOR_DATASETS if name not in without]):
        frame = dataset.frame[dataset.frame["hostile"].notna()]
        comments += [
            Comment(text=row.text, id=str(row.id), thread_id=str(row.thread_id), article=row.article if isinstance(row.article, str) else "")
            for row in frame.itertuples()
        ]
        labels.append(frame["hostile"].to_numpy(float))
        source_file = data / LOADERS[dataset.name][1]
        sources.append(
            {
                "path": f"{dataset.name} ({source_file.relative_to(data)})",
                "license": PRIOR_DATASETS[dataset.name],
                "mapping": dataset.mapping,
                "rows": len(frame),
                "positive": int(frame["hostile"].sum()),
                "sha256": sha256_file(source_file),
            }
        )
    seed = load_training_data([shipped_path("labels")])
    seed_labels = label_matrix(seed.comments)[:, LABELS.index("hostile")]
    known = ~np.isnan(seed_labels)
    comments += [c for c, k in zip(seed.comments, known) if k]
    labels.append(seed_labels[known])
    sources.append({"path": "labels/ (the seed thread)", "license": "this project's", "rows": int(known.sum()), "positive": int(seed_labels[known].sum()), "sha256": seed.sha256})
    return comments, np.concatenate(labels), sources


def prior_card(metadata: dict) -> str:
    """MODEL_CARD.md of a hostility prior."""
    rows = [f"| {s['path']} | {s['license']} | {s['rows']:,} | {s['positive']:,} |" for s in metadata["data"]["sources"]]
    return "\n".join(
        [
            "# Model card: hostility prior",
            "",
            f"Made by `{metadata['command']}`.",
            "",
            "A word 1–2-gram and char 2–5-gram TF-IDF logistic regression (n-grams in at least "
            f"{MIN_DOCUMENTS} texts) plus the counts of the project's hostile and disparaging word lists "
            f"(weighted ×{LEXICON_WEIGHT:g}), C = 1, fitted once on the public data below. Every model "
            "`moderation train` writes weighs its decision value as a feature (see moderation/model/prior.py), "
            "so a few labels of a site's own carry hostility to threads they never saw. It scores hostile only, "
            "with the regression's own probability, and flags at 0.5; it is not meant to be used alone.",
            "",
            "## Data",
            "",
            "| source | license | rows | hostile |",
            "|---|---|---:|---:|",
            *rows,
            "",
            "Every row of each source is used, whatever its split in the benchmarks: measure zero-shot quality "
            "on one of these sets with a prior built without it (`bench/build_prior.py --without NAME`).",
            "",
            "## Known limits",
            "",
            "- Each source defines hostility its own way (offensive tweets, toxic news comments, toxic "
            "Wikipedia talk, hateful Fox News comments); the prior learns their union.",
            "- Words naming groups occur in many hateful examples and can raise the scores of harmless "
            "comments that mention the group.",
            "- English only.",
            "",
        ]
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=None, help="the shared data dir (default: ../shared/data)")
    parser.add_argument("--without", default="", help="comma-separated datasets to leave out (zero-shot measurements)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="model folder to write")
    args = parser.parse_args(argv)
    data = data_dir(args.data)
    if data is None:
        print("build_prior: no data dir (../shared/data); nothing built", file=sys.stderr)
        return 0
    without = {name for name in args.without.split(",") if name}
    unknown = without - set(PRIOR_DATASETS)
    if unknown:
        parser.error(f"--without: unknown dataset {', '.join(sorted(unknown))}; use {', '.join(PRIOR_DATASETS)}")
    started = time.perf_counter()
    comments, y, sources = prior_training_data(data, without)
    arrays = fit_prior(comments, y)
    metadata = {
        "kind": "hostility prior",
        "trained_labels": ["hostile"],
        "lexicon_features": list(LEXICON_FEATURES),
        "versions": library_versions(),
        "data": {"comments": len(comments), "sources": sources},
        "command": "python bench/build_prior.py " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:])),
    }
    written = write_model(args.out, arrays, metadata, prior_card)
    size = (args.out / "model.npz").stat().st_size
    print(f"prior written to {args.out}: {len(comments):,} comments, {size / 1e6:.2f} MB, sha256 {written['model_sha256']}, {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
