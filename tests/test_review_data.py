"""`moderation review`'s data, without a server or browser: threads, highlights, the JSON and
the static report."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import subprocess
import sys

import numpy as np

from moderation.comments import Comment
from moderation.features.context import CONTEXT_FEATURES
from moderation.io.readers import read_comments
from moderation.review.highlights import MAX_SPANS, highlights, reason
from moderation.review.records import DISPLAY_CHARS, comment_record, to_json
from moderation.review.report import report_html, write_report
from moderation.review.threads import build_threads, comment_time
from tests.annotate_support import read_rows, write_comments
from tests.conftest import ROOT, SEED_THREAD, invoke_cli
from tests.review_support import BREAKOUTS, CHAIN, HOSTILE_AUTHOR, hostile_rows, write_jsonl


def comment(id, parent="", thread="t", text="some text", **row):
    return Comment(text, id=id, thread_id=thread, parent_id=parent, article="Title\n\nBody", row=row or None)


# --- threads ----------------------------------------------------------------------------------


def test_replies_come_under_what_they_answer():
    comments = [comment("1"), comment("2"), comment("3", "1"), comment("4", "3"), comment("5", "2"), comment("6", "1"), comment("7", thread="u")]
    threads = build_threads(comments)
    ids = [comments[p].id for p in threads.order]
    assert ids == ["1", "3", "4", "6", "2", "5", "7"]
    assert [threads.depth[p] for p in threads.order] == [0, 1, 2, 1, 0, 1, 0]
    assert threads.parent[2] == 0 and threads.parent[0] == -1
    assert [t.id for t in threads.threads] == ["t", "u"]
    assert threads.threads[0].title == "Title" and threads.threads[0].opening == "Body"


def test_missing_parents_self_replies_and_cycles_start_branches():
    comments = [comment("a", "missing"), comment("b", "b"), comment("c", "d"), comment("d", "c")]
    threads = build_threads(comments)
    assert sorted(threads.order) == [0, 1, 2, 3]  # every comment placed once
    assert threads.depth[0] == 0 and threads.depth[1] == 0
    assert sorted(threads.depth[2:]) == [0, 1]


def test_a_chain_of_5000_replies_is_walked_without_recursion():
    comments = [comment(f"r{n}", f"r{n - 1}" if n else "") for n in range(CHAIN)]
    threads = build_threads(comments)
    assert threads.order == list(range(CHAIN))
    assert threads.depth[-1] == CHAIN - 1


def test_times_as_the_exports_give_them():
    assert comment_time(comment("1", comment_date_gmt="2024-03-01 09:15:00")) == "2024-03-01 09:15:00 UTC"
    assert comment_time(comment("1", created_utc=1700000000)) == "2023-11-14 22:13 UTC"
    assert comment_time(comment("1", created_utc="1e400")) == "1e400"  # not a time: shown as given
    assert comment_time(comment("1")) == ""


# --- highlights -----------------------------------------------------------------------------


def test_features_are_found_in_the_words_they_came_from():
    text = "You are an IDIOT, all of you people. Idiotic."
    spans, cut, found = highlights(
        text,
        {"hostile": [("context hostile_words", 2.0), ("prior: you are", 0.3), ("chars 'idi'", 0.1)], "ad_hominem": [("context addresses_group", 1.0)]},
    )
    assert [text[start:end] for start, end, *_ in spans] == ["You are", "IDIOT", "all of you", "Idiotic"]
    idiot = next(span for span in spans if text[span[0] : span[1]] == "IDIOT")
    assert idiot[2] == [1] and set(idiot[3]) == {"context hostile_words", "chars 'idi'"}
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))  # sorted, not overlapping
    assert not cut and "context addresses_group" in found


def test_offsets_count_utf16_units_as_javascript_does():
    text = "😀 you idiot"
    spans, _, _ = highlights(text, {"hostile": [("idiot", 1.0)]})
    assert spans == [[7, 12, [1], ["idiot"]]]  # the emoji is two UTF-16 units
    assert text.encode("utf-16-le")[14:24].decode("utf-16-le") == "idiot"


def test_highlights_are_bounded_on_huge_texts():
    spans, cut, _ = highlights("you " * 300_000, {"ad_hominem": [("context second_person", 1.0)]})
    assert len(spans) == MAX_SPANS and cut
    assert spans[-1][1] < 100_000 * 2  # only the scored part is searched


def test_reasons_say_whether_the_words_were_there():
    assert reason("context hostile_words", found=True) == "insults or profanity from the word list"
    assert reason("context hostile_words", found=False) == "no insults or profanity"
    assert reason("prior: chars ' idi'") == "words containing “idi” (hostility prior)"
    assert reason("you are") == "“you are”"


# --- JSON -------------------------------------------------------------------------------------


def test_every_context_feature_is_said_in_words():
    # "context promotion (+0.29)" on a comment without any would read as if it advertised.
    for name in CONTEXT_FEATURES:
        for found in (True, False):
            assert reason(f"context {name}", found=found) != name
    for counted in ("hostile_words", "disparaging_words", "second_person", "addresses_group", "links", "promotion"):
        assert reason(f"context {counted}", found=True) != reason(f"context {counted}", found=False)  # present, or absent
    assert reason("context promotion", found=False) == "no advertising phrases"
    assert reason("context links", found=False) == "no links, e-mail addresses or phone numbers"


def test_json_cannot_end_a_script_element_or_a_javascript_line():
    data = {"text": "</script><!-- \u2028\u2029 & <b> \ud800"}
    body = to_json(data).decode("utf-8")
    assert not re.search("[<>&\u2028\u2029]", body)
    assert json.loads(body)["text"] == data["text"]


def test_a_record_keeps_hostile_text_as_text():
    comments = [comment("x", text=BREAKOUTS["attribute"]), comment("y", "x", text="ok")]
    comments[0].author = HOSTILE_AUTHOR
    record = comment_record(comments, build_threads(comments), 0, {})
    assert record["text"] == BREAKOUTS["attribute"] and record["author"] == HOSTILE_AUTHOR
    assert "change the direction" in " ".join(record["notes"])
    reply = comment_record(comments, build_threads(comments), 1, {})
    assert reply["parent"]["id"] == "x" and reply["parent"]["excerpt"].startswith('">')


def test_a_huge_comment_is_sent_cut_and_says_what_was_scored():
    comments = [comment("big", text="word " * 300_000)]
    record = comment_record(comments, build_threads(comments), 0, {})
    assert len(record["text"]) == DISPLAY_CHARS and record["length"] == 1_500_000
    assert record["notes"] == ["scored the first 100,000 of 1,500,000 characters"]


# --- the static report ------------------------------------------------------------------------


def inline(html: str, tag: str) -> list[str]:
    return re.findall(rf"<{tag}[^>]*>(.*?)</{tag}>", html, re.DOTALL)


def test_the_report_allows_only_its_own_script_and_styles():
    html = report_html({"index": {}, "records": [], "title": "</script><script>alert(1)</script>"})
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1)
    assert "default-src 'none'" in policy and "unsafe-inline" not in policy
    scripts = inline(html, "script")
    assert len(scripts) == 2  # the JSON data and the page's script: the data's "</script>" did not end it
    digest = "'sha256-" + base64.b64encode(hashlib.sha256(scripts[1].encode("utf-8")).digest()).decode() + "'"
    assert f"script-src {digest}" in policy
    (style,) = inline(html, "style")
    assert "'sha256-" + base64.b64encode(hashlib.sha256(style.encode("utf-8")).digest()).decode() + "'" in policy
    assert json.loads(scripts[0])["title"] == "</script><script>alert(1)</script>"
    assert not re.search(r"<(?:link|img|iframe|object|embed)\b|\bsrc=|https?://", html.replace("http-equiv", ""))


def test_label_html_writes_a_report_of_every_comment(tmp_path, shipped_model):
    rows = hostile_rows()[: len(BREAKOUTS) + 30]
    source = write_jsonl(tmp_path / "attacks.jsonl", rows)
    target = tmp_path / "report.html"
    summary = write_report(source, target, shipped_model, shipped_model.thresholds)
    html = target.read_text(encoding="utf-8")
    data = json.loads(inline(html, "script")[0])
    assert [record["text"] for record in data["records"]] == [row["text"] for row in rows]
    assert summary.comments == len(rows) and sum(summary.flags.values()) > 0
    flagged = [p for p, bits in enumerate(data["index"]["flags"]) if bits]
    assert flagged and all(data["records"][p]["reasons"] for p in flagged)  # every flag says why
    assert html.count("<script") == 2 and "<img" not in html


def test_label_html_on_the_command_line(tmp_path):
    report, out = tmp_path / "report.html", tmp_path / "out.csv"
    result = invoke_cli("label", SEED_THREAD, "--html", report, "--only-flagged")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""  # without --out, only the report is written
    assert "47 comments labeled; flagged:" in result.stderr
    assert json.loads(inline(report.read_text(encoding="utf-8"), "script")[0])["initial"] == {"flagged_only": True}
    result = invoke_cli("label", SEED_THREAD, "--html", report, "--out", out)
    assert result.returncode == 0 and len(read_rows(out)) == 47
    result = invoke_cli("label", SEED_THREAD, "--html", out, "--out", out)
    assert result.returncode == 2 and "same file" in result.stderr and "Traceback" not in result.stderr


def test_the_report_replaces_the_previous_one_whole(tmp_path, shipped_model):
    target = tmp_path / "report.html"
    target.write_text("previous", encoding="utf-8")
    before = target.stat().st_ino
    write_report(SEED_THREAD, target, shipped_model, shipped_model.thresholds)
    assert target.stat().st_ino != before  # written beside it and renamed over it: never half-written
    assert target.read_text(encoding="utf-8").rstrip().endswith("</html>")
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_scoring_a_chunk_at_a_time_equals_scoring_all_at_once(monkeypatch, shipped_model, tmp_path):
    import moderation.annotate.moderation_access as moderation_access

    comments = list(read_comments(write_comments(tmp_path / "comments.csv", 40)))
    comments.insert(3, Comment("   ", id="empty", thread_id="t1"))
    monkeypatch.setattr(moderation_access, "SCORE_CHUNK", 7)  # chunks cut across both threads
    chunked = moderation_access.score(shipped_model, comments)
    np.testing.assert_allclose(chunked, shipped_model.scorer.score_threads(comments), rtol=0, atol=1e-12)
    assert np.isnan(chunked[3]).all() and not np.isnan(chunked[4]).any()


def test_label_html_says_what_label_says(tmp_path):
    export = ROOT / "tests" / "fixtures" / "wordpress-export.xml"
    alone = invoke_cli("label", export, "--html", tmp_path / "report.html")
    labeled = invoke_cli("label", export, "--out", tmp_path / "out.csv")
    assert alone.returncode == labeled.returncode == 0
    assert alone.stderr == labeled.stderr and "not labeled: 1 pingback, 1 trackback" in alone.stderr
    records = json.loads(inline((tmp_path / "report.html").read_text(encoding="utf-8"), "script")[0])["records"]
    assert {(r["status"], bool(r["time"]), bool(r["author"])) for r in records} >= {("approved", True, True), ("spam", True, True)}


def test_the_report_needs_none_of_the_servers_packages():
    # `label --html` works with a plain `pip install .`: starlette and uvicorn are the serve extra.
    code = "import sys, moderation.cli.label, moderation.review.report; print(sorted(m for m in ('starlette', 'uvicorn') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "[]", done.stderr
