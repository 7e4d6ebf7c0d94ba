"""Readers for platform exports: WordPress WXR, Disqus XML, Reddit JSON (thread .json and dumps)."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from moderation.errors import InputError
from moderation.io.writers import json_line
from moderation.commands.label import label_file
from moderation.io.readers import FORMATS, ReadOptions, ReadReport, detect_format, read_comments
from moderation.io.readers.html import html_to_text
from moderation.io.readers.reddit import NOT_LOADED, NOT_SHOWN
from tests.conftest import SEED_THREAD, invoke_cli
from tests.seed_conversion import CONVERSIONS, seed_comments

FIXTURES = Path(__file__).resolve().parent / "fixtures"
WXR = FIXTURES / "wordpress-export.xml"
DISQUS = FIXTURES / "disqus-export.xml"
REDDIT_THREAD = FIXTURES / "reddit-thread.json"
REDDIT_DUMP = FIXTURES / "reddit-comments.ndjson"


def read(path, format=None, statuses=None):
    """The comments of a file (read as ``format``; None: detected) and what reading skipped."""
    report = ReadReport()
    options = ReadOptions(format=format, statuses=frozenset(statuses) if statuses else None)
    return list(read_comments(path, options, report)), report.skipped


def read_wordpress(path, **kwargs):
    return read(path, "wordpress", **kwargs)[0]


def read_disqus(path, **kwargs):
    return read(path, "disqus", **kwargs)[0]


def read_reddit(path, **kwargs):
    return read(path, "reddit", **kwargs)[0]


# HTML → text


def test_html_paragraphs_line_breaks_and_entities():
    assert html_to_text("<p>Caf&eacute; &amp; bar</p>\n<p>one<br>two<br/><br />three</p>") == "Café & bar\n\none\ntwo\n\nthree"
    assert html_to_text("<div>a</div><div>b</div><ul><li>x</li><li>y</li></ul>end") == "a\nb\n\nx\ny\n\nend"
    assert html_to_text("<blockquote>quoted</blockquote>  reply   with   <b>bold</b>  ") == "quoted\n\nreply with bold"
    assert html_to_text("<p>a</p>\n\n\n<p></p><p>  </p><p>b</p>") == "a\n\nb"


def test_html_links_keep_their_text_and_show_other_urls():
    assert html_to_text('<a href="https://x.example/a">the plan</a>') == "the plan (https://x.example/a)"
    same = '<a href="https://x.example/">x.example</a> <a href="http://y.example">http://y.example</a>'
    assert html_to_text(same) == "x.example http://y.example"
    assert html_to_text('<a href="#comment-3">@Zoë</a>, no') == "@Zoë, no"


def test_html_script_and_style_are_dropped():
    assert html_to_text("<style>p { color: red }</style>kept<script>alert('x')</script> text") == "kept text"


def test_html_with_newlines_as_breaks_follows_wordpress_display():
    text = "first line\nsecond line\n\n\nnew paragraph<br />\nafter a break"
    assert html_to_text(text, newlines_are_breaks=True) == "first line\nsecond line\n\nnew paragraph\nafter a break"
    assert html_to_text(text) == "first line second line new paragraph\nafter a break"


# WordPress


def test_wordpress_comments_in_document_order():
    comments, skipped = read(WXR, "wordpress")
    assert [(c.id, c.thread_id, c.parent_id, c.author) for c in comments] == [
        ("201", "101", "", "José Müller"),
        ("202", "101", "201", "Zoë"),
        ("204", "101", "", "Cheap Flights 4U"),
        ("205", "101", "202", "Pat O'Neill"),
        ("207", "103", "", "angry_local"),
        ("208", "103", "", "Siobhán Ní Bhriain"),
    ]
    assert [c.row["status"] for c in comments] == ["approved", "approved", "spam", "pending", "trash", "approved"]
    assert skipped == Counter({"pingback": 1, "trackback": 1})
    assert comments[0].text == (
        "Finally! The pier repairs took long enough & cost a fortune.\nDoes anyone know if bikes are still free?\n\n"
        "The old timetable is at the operator's site (https://ferries.example/skellig)."
    )
    assert comments[1].text == (
        "Does anyone know if bikes are still free?\n\nYes, bikes ride free <= 2 per family.\nSee https://ferries.example/bikes"
    )
    assert comments[5].text == "£9 a day is more than the ferry itself.\n\nResidents should get a permit."
    assert all(c.labels == {} for c in comments)


def test_wordpress_article_is_the_post_title_and_text():
    comments = list(read_wordpress(WXR))
    assert comments[0].article == (
        "Ferry service to the island resumes in April\n\n"
        "The council confirmed on Tuesday that the ferry to Skellig Island will run again from 1 April, after a winter of repairs to the pier.\n\n"
        "Fares rise by 5% & the first crossing leaves at 07:15. The full timetable (https://harbourgazette.example/timetable/) is online."
    )
    # Block-editor markup: its newlines are not breaks.
    assert comments[-1].article == (
        "Letters: the new parking charges\n\nReaders write about the parking charges at the harbour car park.\n\nTwo hours: £3\nAll day: £9"
    )


def test_wordpress_row_keeps_the_original_html_and_ids():
    comment = read_wordpress(WXR)[0]
    assert list(comment.row) == [
        "id", "thread_id", "parent_id", "author", "status", "text",
        "post_title", "link", "comment_date_gmt", "comment_type", "comment_content",
    ]  # fmt: skip
    assert comment.row["comment_content"].startswith("Finally! The pier repairs took long enough &amp; cost a fortune.\n")
    assert comment.row["comment_content"].endswith("""<a href="https://ferries.example/skellig" rel="nofollow ugc">the operator's site</a>.""")
    assert comment.row["comment_date_gmt"] == "2024-02-28 09:15:00"
    assert comment.row["link"] == "https://harbourgazette.example/2024/02/28/ferry-service-resumes/"
    assert comment.row["post_title"] == "Ferry service to the island resumes in April"


def test_wordpress_statuses_filter_counts_what_it_leaves_out():
    comments, skipped = read(WXR, "wordpress", statuses={"approved"})
    assert [c.id for c in comments] == ["201", "202", "208"]
    assert skipped == Counter(
        {"pingback": 1, "trackback": 1, "comment with status spam": 1, "comment with status pending": 1, "comment with status trash": 1}
    )


# Disqus


def test_disqus_posts_with_their_threads():
    comments, skipped = read(DISQUS, "disqus")
    assert [(c.id, c.thread_id, c.parent_id, c.author, c.row["status"]) for c in comments] == [
        ("6300118001", "9120034417", "", "José Müller", "approved"),
        ("6300118455", "9120034417", "6300118001", "Zoë", "approved"),
        ("6300118990", "9120034417", "", "Growth Hacker", "spam"),
        ("6300119012", "9120034417", "6300118455", "Grumpy of Shipley", "deleted"),
        ("6300150777", "9120049981", "", "Siobhán", "approved"),
    ]
    assert not skipped
    assert comments[0].text == "About time! The old crossing was a death trap in winter.\n\nShame it cost £2.4m & took three years."
    assert comments[1].text == (
        'It was "three years" because the council kept changing the design. Minutes are here: council.example/minutes/... '
        "(https://disq.us/url?url=https%3A%2F%2Fcouncil.example%2Fminutes%2F2021-04%3AaBc&cuid=551)\nWorth a read."
    )
    assert comments[0].article == "New footbridge opens over the Aire – after three years\n\nhttps://valleyrecord.example/news/new-bridge-opens"
    assert comments[-1].article == "Cup final: Rovers win on penalties\n\nhttps://valleyrecord.example/sport/cup-final-report"


def test_disqus_row_and_status_filter():
    comments, skipped = read(DISQUS, "disqus", statuses={"approved"})
    assert [c.id for c in comments] == ["6300118001", "6300118455", "6300150777"]
    assert skipped == Counter({"comment with status spam": 1, "comment with status deleted": 1})
    row = comments[-1].row
    assert list(row) == ["id", "thread_id", "parent_id", "author", "status", "text", "thread_title", "link", "createdAt", "message"]
    assert row["message"] == "<p>Great save in the shoot-out.<br>Ref was poor all match though.</p>"
    assert row["createdAt"] == "2024-01-20T19:45:00Z"


# Reddit


def test_reddit_thread_is_flattened_depth_first():
    comments, skipped = read(REDDIT_THREAD, "reddit")
    assert [(c.id, c.thread_id, c.parent_id, c.author, c.row["status"]) for c in comments] == [
        ("kx9o2m4", "1b2c3d", "", "josemueller", "approved"),
        ("kx9p1a0", "1b2c3d", "kx9o2m4", "Zoe_rides", "approved"),
        ("kx9p8zz", "1b2c3d", "kx9o2m4", "", "deleted"),
        ("kx9s4t1", "1b2c3d", "", "m_ueller_42", "approved"),
        ("kx9t0c8", "1b2c3d", "", "AutoModerator", "deleted"),
    ]
    assert skipped == Counter({NOT_LOADED: 5})  # the two "load more" stubs stand for 2 and 3 comments
    assert comments[1].text == (
        "> cars just park in painted lanes\n\nExactly. A kerb is the only thing drivers respect. Café owners on 5th even asked for it."
    )
    assert comments[2].text == "" and comments[2].row["body"] == "[deleted]" and comments[2].row["author"] == "[deleted]"
    assert comments[0].article == (
        "Protected bike lane on Elm St & 5th: worth it?\n\n"
        "The city is removing the painted lane on Elm St & replacing it with a kerb-protected one.\n\nIs a kerb > paint? Thoughts?"
    )
    assert list(comments[0].row) == [
        "id", "thread_id", "parent_id", "author", "status", "text", "thread_title", "permalink", "created_utc", "body",
    ]  # fmt: skip
    assert comments[0].row["body"].startswith("Worth it. Painted lanes are just parking for delivery vans &amp; cars")
    assert comments[0].row["created_utc"] == "1709282500.0"  # the number as written in the file


def test_reddit_statuses_filter():
    comments, skipped = read(REDDIT_THREAD, "reddit", statuses={"approved"})
    assert [c.id for c in comments] == ["kx9o2m4", "kx9p1a0", "kx9s4t1"]
    assert skipped == Counter({NOT_LOADED: 5, "comment with status deleted": 2})


def test_reddit_dump_is_read_line_by_line():
    comments = list(read_reddit(REDDIT_DUMP))
    assert [(c.id, c.thread_id, c.parent_id, c.author, c.row["status"]) for c in comments] == [
        ("h3k2j1a", "o8x9yq", "", "harbour_watcher", "approved"),
        ("h3k4m2b", "o8x9yq", "h3k2j1a", "Zoe_rides", "approved"),
        ("h3k5z9c", "o8x9yq", "h3k4m2b", "", "deleted"),
        ("h3n0a1d", "o9b1cc", "", "josemueller", "approved"),
    ]
    assert comments[0].text == "The new ferry timetable is a joke & everyone knows it."
    assert comments[3].text == "Parking at the harbour is £9 a day now <sigh>"
    assert all(c.article == "" for c in comments)
    assert comments[3].row["permalink"] == ""


def test_reddit_dump_with_labels_and_titles(tmp_path):
    path = tmp_path / "labeled.ndjson"
    record = {"id": "a1", "parent_id": "t3_p9", "link_id": "t3_p9", "author": "zoe", "body": "You people never read.",
              "title": "Ferry &amp; bus times", "selftext": "New times.", "hostile": 1, "ad_hominem": "0"}  # fmt: skip
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    (comment,) = read_reddit(path)
    assert comment.labels == {"hostile": 1, "ad_hominem": 0}
    assert comment.article == "Ferry & bus times\n\nNew times."
    assert comment.row["hostile"] == "1" and comment.row["ad_hominem"] == "0" and comment.row["thread_title"] == "Ferry & bus times"
    assert json.loads(json_line(comment.row))["hostile"] == 1  # a number in, a number out


# Detection and dispatch


@pytest.mark.parametrize(
    "fixture, name, expected",
    [
        (WXR, "export.xml", "wordpress"),
        (WXR, "comments.csv", "wordpress"),
        (DISQUS, "export.xml", "disqus"),
        (DISQUS, "disqus.txt", "disqus"),
        (REDDIT_THREAD, "thread.json", "reddit"),
        (REDDIT_THREAD, "thread.csv", "reddit"),
        (REDDIT_DUMP, "dump.ndjson", "reddit"),
        (REDDIT_DUMP, "dump.jsonl", "reddit"),
    ],
)
def test_formats_are_detected_from_content(tmp_path, fixture, name, expected):
    path = tmp_path / name
    shutil.copyfile(fixture, path)
    assert detect_format(path) == expected
    assert len(list(read_comments(path))) >= 4


def test_other_formats_are_still_detected(tmp_path):
    canonical = tmp_path / "canonical.jsonl"
    canonical.write_text('{"text": "hello", "parent_id": "1"}\n', encoding="utf-8")
    assert detect_format(canonical) == "jsonl"
    assert detect_format(SEED_THREAD) == "thread"


def test_export_formats_can_be_named():
    assert {"wordpress", "disqus", "reddit"} <= set(FORMATS)
    report = ReadReport()
    comments = list(read_comments(WXR, ReadOptions(format="wordpress", statuses=frozenset({"approved"})), report))
    assert [c.id for c in comments] == ["201", "202", "208"]
    assert report.skipped["comment with status spam"] == 1
    with pytest.raises(InputError, match="not a Disqus export"):  # the named format is used, not detection
        list(read_comments(WXR, ReadOptions(format="disqus")))


def test_xml_that_is_not_an_export_is_refused(tmp_path):
    path = tmp_path / "feed.xml"
    path.write_text('<?xml version="1.0"?>\n<rss version="2.0"><channel><title>News</title></channel></rss>\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"feed\.xml: an XML file with root element <rss>, not a WordPress \(WXR\) or Disqus export"):
        detect_format(path)
    with pytest.raises(InputError, match=r"not a WordPress export \(WXR\)"):
        list(read_wordpress(path))
    with pytest.raises(InputError, match="not a Disqus export"):
        list(read_disqus(path))
    with pytest.raises(InputError, match="not a Disqus export"):
        list(read_disqus(WXR))


# Errors


def test_malformed_xml_names_its_line(tmp_path):
    lines = WXR.read_text(encoding="utf-8").splitlines(keepends=True)
    broken = next(n for n, line in enumerate(lines, start=1) if "<wp:comment_id>205</wp:comment_id>" in line)
    lines[broken - 1] = lines[broken - 1].replace("</wp:comment_id>", "</wp:comment_idd>")
    path = tmp_path / "broken.xml"
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(InputError, match=rf"broken\.xml, line {broken}: malformed XML at column \d+ \(mismatched tag\)"):
        list(read_comments(path))


def test_truncated_disqus_export_is_malformed(tmp_path):
    path = tmp_path / "truncated.xml"
    text = DISQUS.read_text(encoding="utf-8")
    path.write_text(text[: text.index("<post", text.index("6300150777") - 40)], encoding="utf-8")
    with pytest.raises(InputError, match=r"truncated\.xml, line \d+: malformed XML .*no element found"):
        list(read_disqus(path))


def test_malformed_json_names_its_line(tmp_path):
    thread = tmp_path / "thread.json"
    thread.write_text(REDDIT_THREAD.read_text(encoding="utf-8").replace('"id": "kx9s4t1",', '"id": "kx9s4t1"'), encoding="utf-8")
    line = next(n for n, text in enumerate(thread.read_text(encoding="utf-8").splitlines(), start=1) if '"id": "kx9s4t1"' in text)
    with pytest.raises(InputError, match=rf"thread\.json, line {line}: malformed JSON at column \d+ \(Expecting ',' delimiter\)"):
        list(read_reddit(thread))
    dump = tmp_path / "dump.ndjson"
    dump.write_text(REDDIT_DUMP.read_text(encoding="utf-8") + '{"id": "x", "body": "cut off\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"dump\.ndjson, line 6: malformed JSON"):
        list(read_reddit(dump))


def test_json_that_is_not_reddit_is_refused(tmp_path):
    path = tmp_path / "list.json"
    path.write_text('[{"kind": "Listing", "data": {"children": [{"kind": "t5", "data": {}}]}}]\n', encoding="utf-8")
    with pytest.raises(InputError, match="not Reddit comments: found kind 't5' where Reddit has Listings and comments"):
        list(read_reddit(path))
    numbers = tmp_path / "numbers.json"
    numbers.write_text("[1, 2]\n", encoding="utf-8")
    with pytest.raises(InputError, match="not Reddit comments: found the value '1'"):
        list(read_reddit(numbers))
    submissions = tmp_path / "submissions.ndjson"
    submissions.write_text('{"id": "p9", "title": "A post", "selftext": ""}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"line 1: not a Reddit comment"):
        list(read_reddit(submissions))


def test_exports_without_comments_are_refused(tmp_path):
    wxr = tmp_path / "posts-only.xml"
    text = WXR.read_text(encoding="utf-8")
    wxr.write_text(text[: text.index("\t\t<wp:comment>")] + "\t</item>\n</channel>\n</rss>\n", encoding="utf-8")
    with pytest.raises(InputError, match="posts-only.xml: the export has no comments"):
        list(read_wordpress(wxr))
    disqus = tmp_path / "threads-only.xml"
    text = DISQUS.read_text(encoding="utf-8")
    disqus.write_text(text[: text.index("  <post")] + "</disqus>\n", encoding="utf-8")
    with pytest.raises(InputError, match="threads-only.xml: the export has no posts"):
        list(read_disqus(disqus))
    thread = tmp_path / "empty-thread.json"
    listings = json.loads(REDDIT_THREAD.read_text(encoding="utf-8"))
    listings[1]["data"]["children"] = []
    thread.write_text(json.dumps(listings), encoding="utf-8")
    with pytest.raises(InputError, match="no comments in this file"):
        list(read_reddit(thread))


def test_entity_declarations_are_refused(tmp_path):
    entities = "".join(f'<!ENTITY e{n} "{f"&e{n - 1};" * 10}">' for n in range(1, 10))
    path = tmp_path / "laughs.xml"
    path.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE disqus [<!ENTITY e0 "ha">{entities}]>\n'
        '<disqus xmlns="http://disqus.com">\n<post><message>&e9;</message></post>\n</disqus>\n',
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=r"laughs\.xml, line 2: the XML declares the entity 'e0'; .*refused"):
        list(read_comments(path))  # detection refuses it
    with pytest.raises(InputError, match=r"line 2: the XML declares the entity 'e0'"):
        read_disqus(path)  # and so does the reader when the format is named


def test_external_entities_are_not_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("password", encoding="utf-8")
    path = tmp_path / "external.xml"
    path.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE disqus [<!ENTITY secret SYSTEM "{secret.as_uri()}">]>\n'
        '<disqus xmlns="http://disqus.com">\n<post><message>&secret;</message></post>\n</disqus>\n',
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=r"line 2: the XML declares the entity 'secret'") as refused:
        read_disqus(path)
    assert "password" not in str(refused.value)


def test_undefined_entities_are_malformed_xml(tmp_path):
    path = tmp_path / "nbsp.xml"
    text = DISQUS.read_text(encoding="utf-8").replace("<title>Cup final", "<title>Cup&nbsp;final")
    path.write_text(text, encoding="utf-8")
    line = next(n for n, row in enumerate(text.splitlines(), start=1) if "&nbsp;" in row)
    with pytest.raises(InputError, match=rf"nbsp\.xml, line {line}: malformed XML at column \d+ \(undefined entity\)"):
        read_disqus(path)


# The seed thread through every export


@pytest.fixture(scope="module")
def default_model(shipped_model):
    return shipped_model


def score_rows(path: Path) -> list[list[float]]:
    with path.open(encoding="utf-8") as lines:
        records = [json.loads(line) for line in lines]
    return [[record[f"{label}_score"] for label in ("off_topic", "hostile", "ad_hominem")] for record in records]


@pytest.mark.parametrize("form", sorted(CONVERSIONS))
def test_seed_thread_reads_back_and_scores_the_same_in_every_export(tmp_path, default_model, form):
    convert, extension = CONVERSIONS[form]
    original = seed_comments()
    export = tmp_path / f"seed{extension}"
    export.write_text(convert(original), encoding="utf-8")

    assert detect_format(export) == form
    converted = list(read_comments(export))
    assert [c.text for c in converted] == [c.text for c in original]
    assert converted[0].article.split() == original[0].article.split()

    label_file(SEED_THREAD, tmp_path / "plain.jsonl", default_model, default_model.thresholds)
    label_file(export, tmp_path / f"{form}.jsonl", default_model, default_model.thresholds)
    plain, exported = score_rows(tmp_path / "plain.jsonl"), score_rows(tmp_path / f"{form}.jsonl")
    assert len(plain) == len(exported) == 47
    for expected, actual in zip(plain, exported):
        assert actual == pytest.approx(expected, abs=1e-9)


def test_label_command_writes_the_export_fields_back(tmp_path):
    out = tmp_path / "labeled.jsonl"
    result = invoke_cli("label", WXR, "--out", out)
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in records] == ["201", "202", "204", "205", "207", "208"]
    assert records[0]["comment_content"].startswith("Finally! The pier repairs took long enough &amp; cost a fortune.")
    assert {"status", "off_topic_score", "hostile_flag"} <= records[0].keys()
