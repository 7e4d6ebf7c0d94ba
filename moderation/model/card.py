"""MODEL_CARD.md: what a model was trained on, how well it did, and what not to use it for."""

from __future__ import annotations

import math

INTENDED_USE = """\
Flagging reader comments under news articles and forum threads for a human moderator to
review: `off_topic` (does not engage with the article or the thread's argument), `hostile`
(insulting, demeaning or threatening manner) and `ad_hominem` (attacks a fellow commenter
instead of their argument). Scores are calibrated probabilities; flags use the thresholds in the quality table above.
It is a triage aid. Do not remove comments or sanction people on its output alone."""

KNOWN_LIMITS = """\
- Trained on few comments from few threads, it knows few words: unseen insults, slang and
  other languages are largely invisible to it; the context features (similarity to the
  article and the thread, second-person address, a hostility word list) carry most of the
  signal to new threads.
- Short texts and sarcasm: a one-line reply has little to go on, and irony reads as its
  literal words.
- Identity terms: words naming groups (nationalities, religions) can pick up weight from
  insults that used them and raise scores of harmless comments that mention the group.
- Off-topic is judged against the article given with the comment; without one (and without
  other comments of the thread) that signal is replaced by an average value.
- Cross-validated metrics on a few dozen comments have wide uncertainty: a single comment
  moves F1 by several points."""


def number(value) -> str:
    """A metric for the card: two decimals, or a dash where there is none."""
    return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.2f}"


def prior_lines(prior: dict | None) -> list[str]:
    """The card's section on the prior a model builds on."""
    if not prior:
        return ["Trained without the prior: only the labels below teach hostility and spam.", ""]
    return [
        "## Prior",
        "",
        f"Hostile and ad_hominem also weigh the hostility score of the prior `{prior['path']}`, and off_topic its "
        f"spam score (sha256 `{prior['model_sha256'][:16]}…`): regressions fitted on {prior['comments']:,} public comments; their "
        "weights are penalized far less than the n-grams', so the labels below reweigh them but cannot wash them out. "
        "Its n-grams are part of this model's arrays. Its data:",
        "",
        "| source | license | rows |",
        "|---|---|---:|",
        *(f"| {s['path']} | {s['license']} | {s['rows']:,} |" for s in prior["sources"]),
        "",
    ]


def identity_lines(identity: dict | None) -> list[str]:
    """The card's section on flags for naming an identity group (measured by the build)."""
    if not identity:
        return []
    rows = [
        f"| {name} | {r['non_toxic_with_group']:,} | {100 * r['flagged_with_group']:.1f} % | {r['non_toxic_without_group']:,} "
        f"| {100 * r['flagged_without_group']:.1f} % |"
        for name, r in identity.items()
    ]
    return [
        "",
        "## Naming a group",
        "",
        "Words that name an identity group (sexual orientation, gender, race and origin, religion, disability, age) carry "
        "no weight in any n-gram: a comment is not more hostile for naming one. Hostile flags on non-toxic comments that "
        "name a group and that name none, at the threshold above:",
        "",
        "| comments | naming a group | flagged | naming none | flagged |",
        "|---|---:|---:|---:|---:|",
        *rows,
    ]


def model_card(metadata: dict) -> str:
    """The text of MODEL_CARD.md for a model's metadata."""
    data = metadata["data"]
    lines = [
        "# Model card",
        "",
        f"Made by `{metadata['command']}` with moderation {metadata['moderation_version']}.",
        "",
        "## Model",
        "",
        "Per label: TF-IDF over word 1–2-grams and within-word character 2–5-grams, plus context "
        "features (similarity to the article and to the thread's other comments, each weighed by "
        "how many content words there are to compare; second-person address, participant names, "
        "group address, hostility word lists, length, the comment replied to, links and advertising phrases; "
        "off_topic weighs only those about a comment's subject, not its manner: no second person, names, "
        "group address or hostility words), "
        + ("plus the prior's scores (below), " if metadata.get("prior") else "")
        + "feeding a logistic regression with balanced class weights, with Platt-scaled probabilities "
        "fitted on cross-validated scores. Regularization per label, chosen by cross-validated "
        f"ROC-AUC from C ∈ {metadata['training']['C_grid']}: "
        + ", ".join(f"{label} C = {c}" for label, c in metadata["training"]["C"].items())
        + ". A comment without content words (\"Great article.\") gets the base rate of off_topic: "
        "it has nothing to compare with its article or thread.",
        "",
        *prior_lines(metadata.get("prior")),
        "## Data",
        "",
        f"{data['comments']} labeled comments in {data['threads']} thread(s)"
        + (f", {data['duplicates']} of them repeating an earlier comment's text" if data.get("duplicates") else "")
        + f"; sha256 of the sources: `{data['sha256']}`.",
        "",
        "| source | rows | sha256 |",
        "|---|---|---|",
        *(f"| `{s['path']}` | {s['rows']} | `{s['sha256'][:16]}…` |" for s in data["sources"]),
        "",
        "| label | annotated | positive | share |",
        "|---|---|---|---|",
        *(
            f"| {label} | {c['annotated']} | {c['positive']} | {number(c['positive'] / c['annotated'] if c['annotated'] else None)} |"
            for label, c in data["labels"].items()
        ),
        "",
        "## Cross-validated quality",
        "",
        f"Scheme: {metadata['training']['cv']}. The whole pipeline, features included, is refitted in "
        "every fold. F1, precision and recall are at the threshold below, which was chosen on these "
        "same out-of-fold scores, so they are optimistic; ROC-AUC and average precision are not affected.",
        "",
        "| label | ROC-AUC | avg. precision | F1 | precision | recall | Brier | ECE | threshold |",
        "|---|---|---|---|---|---|---|---|---|",
        *(
            f"| {label} | {number(m['roc_auc'])} | {number(m['average_precision'])} | {number(m['f1'])} | "
            f"{number(m['precision'])} | {number(m['recall'])} | {number(m['brier'])} | {number(m['ece'])} | {number(m['threshold'])} |"
            for label, m in metadata["cv_metrics"].items()
        ),
        "",
        f"Thresholds: {metadata['threshold_rule']}. Override at scoring time with `--threshold LABEL=VALUE`.",
    ]
    untrained = [label for label in metadata["labels"] if label not in metadata["trained_labels"]]
    if untrained:
        lines += ["", f"Not trained (too few examples of a class): {', '.join(untrained)}. Scores for them are empty."]
    lines += identity_lines(metadata.get("identity"))
    lines += ["", "## Intended use", "", INTENDED_USE, "", "## Known limits", "", KNOWN_LIMITS, ""]
    return "\n".join(lines)
