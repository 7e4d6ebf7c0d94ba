"""What sites really export, read whole: each class of file issue 10 found refused or misread."""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import shutil
import zipfile
from pathlib import Path

import pytest

from moderation.commands.label import label_file
from moderation.errors import InputError
from moderation.io.readers import ReadOptions, ReadReport, detect_format, open_input, read_comments
from moderation.io.readers.reddit import NOT_LOADED, NOT_SHOWN
from tests.conftest import SEED_CSV, SEED_THREAD, invoke_cli

FIXTURES = Path(__file__).resolve().parent / "fixtures"
WXR = FIXTURES / "wordpress-export.xml"
WORDPRESS_COM = FIXTURES / "wordpress-com.xml"
DISQUS = FIXTURES / "disqus-export.xml"
DISQUS_INLINE = FIXTURES / "disqus-inline-html.xml"
REDDIT_THREAD = FIXTURES / "reddit-thread.json"
REDDIT_USER = FIXTURES / "reddit-user-listing.json"
REDDIT_LISTINGS = FIXTURES / "reddit-listings.json"
REDDIT_MORE = FIXTURES / "reddit-morechildren.json"


def read(path, **options):
    report = ReadReport()
    return list(read_comments(path, ReadOptions(**options), report)), report


@pytest.fixture(scope="module")
def model(shipped_model):
    return shipped_model


# 1, 2, 7: a WordPress.com export: https namespace, blank lines before <?xml, a comment
# without wp:comment_approved, several pingbacks.


def test_wordpress_com_export_with_https_namespace_and_blank_lines_before_the_declaration():
    assert detect_format(WORDPRESS_COM) == "wordpress"
    comments, report = read(WORDPRESS_COM)
    assert [(c.id, c.parent_id, c.author, c.row["status"]) for c in comments] == [
        ("901", "", "Marta", "approved"),
        ("902", "901", "Old Tom", "approved"),  # no wp:comment_approved: approved, as WordPress imports it
    ]
    assert comments[1].text == "Beer traps, Marta. Copper tape is a waste of money."
    assert comments[0].article == "Slugs ate every lettuce\n\nForty lettuces planted on Saturday, none left by Tuesday."
    assert report.skipped == {"pingback": 4}


def test_a_root_element_after_thousands_of_blank_lines(tmp_path):
    path = tmp_path / "export"
    text = WXR.read_text(encoding="utf-8")
    path.write_text("\n" * 5000 + " \t\n" + text, encoding="utf-8")
    assert detect_format(path) == "wordpress"
    assert len(read(path)[0]) == 6
    broken = tmp_path / "broken"
    broken.write_text("\n" * 5000 + text.replace("</wp:comment_id>", "</wp:comment_idd>", 1), encoding="utf-8")
    line = 5000 + next(n for n, row in enumerate(text.splitlines(), start=1) if "</wp:comment_id>" in row)
    with pytest.raises(InputError, match=rf"broken, line {line}: malformed XML"):
        read(broken)  # line numbers count the blank lines


def test_summary_states_statuses_and_plurals(tmp_path):
    result = invoke_cli("label", WORDPRESS_COM, "--out", tmp_path / "out.csv")
    assert result.returncode == 0, result.stderr
    assert "not labeled: 4 pingbacks" in result.stderr
    result = invoke_cli("label", WXR, "--status", "approved", "--out", tmp_path / "approved.csv")
    assert "not labeled: 1 comment with status pending, 1 comment with status spam, 1 comment with status trash, 1 pingback, 1 trackback" in result.stderr
    result = invoke_cli("label", DISQUS, "--out", tmp_path / "disqus.csv")
    assert "labeled by status: 3 approved, 1 spam, 1 deleted (--status approved labels only the approved ones)" in result.stderr


# 3: compressed exports, recognized by their first bytes whatever their name.


def gzip_bytes(data: bytes) -> bytes:
    return gzip.compress(data)


def zip_bytes(data: bytes, name: str = "export.xml") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("__MACOSX/._export.xml", b"junk")
        archive.writestr(name, data)
    return buffer.getvalue()


COMPRESSIONS = {"gzip": gzip_bytes, "bz2": bz2.compress, "xz": lzma.compress, "zip": zip_bytes}


@pytest.mark.parametrize("compression", sorted(COMPRESSIONS))
@pytest.mark.parametrize("fixture", [DISQUS, WXR, REDDIT_THREAD], ids=["disqus", "wordpress", "reddit"])
def test_compressed_exports_are_read_transparently(tmp_path, compression, fixture):
    path = tmp_path / f"export{fixture.suffix}.{compression}"
    data = fixture.read_bytes()
    path.write_bytes(zip_bytes(data, fixture.name) if compression == "zip" else COMPRESSIONS[compression](data))
    assert [c.id for c in read(path)[0]] == [c.id for c in read(fixture)[0]]


@pytest.mark.parametrize("compression", sorted(COMPRESSIONS))
def test_every_command_reads_compressed_input(tmp_path, compression, model):
    labeled = tmp_path / "labeled.bin"  # no telling extension: the magic bytes decide
    labeled.write_bytes(COMPRESSIONS[compression](SEED_CSV.read_bytes()) if compression != "zip" else zip_bytes(SEED_CSV.read_bytes(), "comments.csv"))
    evaluated = invoke_cli("evaluate", labeled, "--json")
    assert evaluated.returncode == 0, evaluated.stderr
    assert json.loads(evaluated.stdout)["hostile"]["support"] == 47
    if compression != "zip":  # a zip cannot be streamed: score reads zip files, not zipped stdin
        lines = COMPRESSIONS[compression](b"you are an idiot\nthe ferry is late\n")
        scored = invoke_cli("score", "-", input=lines)
        assert scored.returncode == 0, scored.stderr
        assert [json.loads(line)["id"] for line in scored.stdout.splitlines()] == ["1", "2"]
    labeled_out = tmp_path / "out.csv"
    assert invoke_cli("label", labeled, "--out", labeled_out).returncode == 0
    assert len(labeled_out.read_text(encoding="utf-8").splitlines()) > 47


def test_compressed_train_input(tmp_path):
    data = tmp_path / "comments.csv.gz"
    data.write_bytes(gzip.compress(SEED_CSV.read_bytes()))
    trained = invoke_cli("train", data, "--model", tmp_path / "m", "--C", "1")
    assert trained.returncode == 0, trained.stderr
    assert "trained on 47 comments" in trained.stdout


def test_archives_we_cannot_read_say_what_to_do(tmp_path):
    two = tmp_path / "two.zip"
    with zipfile.ZipFile(two, "w") as archive:
        archive.writestr("a.csv", "text\na\n")
        archive.writestr("b.csv", "text\nb\n")
    with pytest.raises(InputError, match=r"two\.zip: the zip archive holds 2 files \(a\.csv, b\.csv\); unzip it and give one"):
        read(two)
    cut = tmp_path / "cut.xml.gz"
    cut.write_bytes(gzip.compress(DISQUS.read_bytes())[:-200])
    with pytest.raises(InputError, match=r"cut\.xml\.gz: the compressed data ends too early"):
        read(cut)
    zstd = tmp_path / "dump.zst"
    zstd.write_bytes(b"\x28\xb5\x2f\xfd" + b"\x00" * 20)
    with pytest.raises(InputError, match="Zstandard-compressed: decompress it first"):
        read(zstd)


# 4, 5, 6: Reddit shapes other than a thread, "load more" counts, entities.


def test_reddit_listing_of_comments_with_entities_decoded():
    assert detect_format(REDDIT_USER) == "reddit"
    comments, _ = read(REDDIT_USER)
    assert [(c.id, c.thread_id, c.parent_id) for c in comments] == [
        ("lq2a1b2", "1cx9aa", ""),
        ("lq2b9z9", "1cx9aa", "lq2a1b2"),
        ("lq2c3d4", "1cy0bb", ""),
    ]
    assert comments[0].text == "Nematodes. Everything else is folklore & beer. ಠ_ಠ"
    assert comments[1].text == "ಠ_ಠ you clearly never tried copper tape"
    assert comments[2].text == "Mudguards > everything"
    assert comments[0].article == "Slugs & snails: what actually works?"  # its link_title
    assert comments[0].row["body"].startswith("Nematodes. Everything else is folklore &amp; beer.")  # kept as given


def test_reddit_list_of_listings_counts_the_comments_not_in_the_file():
    comments, report = read(REDDIT_LISTINGS)
    assert [c.text for c in comments] == ["first page", "second page"]
    assert report.skipped == {NOT_LOADED: 1658, NOT_SHOWN: 1}


def test_reddit_morechildren_response():
    assert detect_format(REDDIT_MORE) == "reddit"
    comments, report = read(REDDIT_MORE)
    assert [(c.id, c.parent_id, c.thread_id) for c in comments] == [("kx9q7r2", "kx9p1a0", "1b2c3d"), ("kx9r0b1", "kx9q7r2", "1b2c3d")]
    assert report.skipped == {NOT_LOADED: 4}


def test_summary_says_how_many_comments_reddit_left_out(tmp_path):
    result = invoke_cli("label", REDDIT_LISTINGS, "--out", tmp_path / "out.csv")
    assert result.returncode == 0, result.stderr
    assert (
        'not labeled: 1,658 comments not in the file (Reddit\'s "load more comments"), '
        '1 link to replies not in the file (Reddit\'s "continue this thread")'
    ) in result.stderr


def test_reddit_keys_in_any_order(tmp_path):
    """Recorded responses re-serialized by a client library may put "data" before "kind"."""
    path = tmp_path / "sorted.json"
    path.write_text(json.dumps(json.loads(REDDIT_THREAD.read_text(encoding="utf-8")), sort_keys=True, indent=1), encoding="utf-8")
    assert detect_format(path) == "reddit"
    assert [c.id for c in read(path)[0]] == [c.id for c in read(REDDIT_THREAD)[0]]


# 8: a stray byte before <?xml.


@pytest.mark.parametrize("name", ["comments.csv", "comments"])
def test_a_comment_quoting_an_xml_declaration_is_text(tmp_path, name):
    path = tmp_path / name
    path.write_text('text,id\n"<?xml version=""1.0""?> is how it starts",1\nsee: <?xml,2\n', encoding="utf-8")
    assert [c.text for c in read(path)[0]] == ['<?xml version="1.0"?> is how it starts', "see: <?xml"]


@pytest.mark.parametrize("name", ["export.xml", "export"])
def test_a_stray_byte_before_the_xml_declaration_is_reported_as_broken_xml(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"\x01" + WXR.read_bytes())
    with pytest.raises(InputError, match=r"line 1: looks like XML that is not well-formed.* column 1"):
        read(path)
    result = invoke_cli("label", path, "--out", tmp_path / "out.csv")
    assert result.returncode == 2 and "looks like XML that is not well-formed" in result.stderr
    assert "no 'text' column" not in result.stderr


def test_a_csv_cell_quoting_an_xml_declaration_is_read_as_csv(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text("text,article,hostile\nhello,<?xml version='1.0'?>,0\n", encoding="utf-8")
    (comment,) = read(path)[0]
    assert (comment.text, comment.article, comment.labels) == ("hello", "<?xml version='1.0'?>", {"hostile": 0})


def test_an_html_page_is_named_as_such(tmp_path):
    page = tmp_path / "page.html"
    page.write_text("<!DOCTYPE html>\n<html><head><title>x</title></head><body><p>hi</p></body></html>\n", encoding="utf-8")
    with pytest.raises(InputError, match="an HTML page, not an export"):
        read(page)


# 9: Disqus messages with inline elements.


def test_disqus_messages_with_inline_elements_keep_every_word():
    comments, _ = read(DISQUS_INLINE)
    assert comments[0].text == "The fares went up twice this year, and the council (https://riverside.example/fares) said nothing at all.\n\nSecond paragraph & more."
    assert comments[1].text == "Plain text with an italic word and a tail."
    assert comments[0].row["message"].startswith('<p>The fares went up <b>twice</b> this year, and <a href="https://riverside.example/fares">the council</a>')
    assert comments[1].row["status"] == "spam" and comments[1].parent_id == "777001"


# Encodings and line ends.


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_input(tmp_path, encoding):
    path = tmp_path / "comments.csv"
    text = "text,thread_id\r\n“Quoted” café,t\r\nsecond,t\r\n"
    path.write_bytes(("\ufeff" if encoding.endswith(("le", "be")) else "").encode(encoding) + text.encode(encoding))
    comments, _ = read(path, encoding=encoding)
    assert [c.text for c in comments] == ["“Quoted” café", "second"]
    if encoding in ("utf-16", "utf-32"):  # a byte-order mark says it all: no --encoding needed
        assert [c.text for c in read(path)[0]] == ["“Quoted” café", "second"]


def test_utf16_through_the_command_line(tmp_path):
    path = tmp_path / "comments.csv"
    path.write_bytes("text\nyou are all hypocrites\n".encode("utf-16"))
    result = invoke_cli("label", path, "--encoding", "utf-16", "--out", tmp_path / "out.csv")
    assert result.returncode == 0, result.stderr
    assert "hypocrites" in (tmp_path / "out.csv").read_text(encoding="utf-8")


def test_old_mac_line_ends(tmp_path):
    path = tmp_path / "mac.csv"
    path.write_bytes(b'text,id\r"two\rlines",1\rplain,2\r')
    comments, _ = read(path)
    assert [(c.id, c.text) for c in comments] == [("1", "two\rlines"), ("2", "plain")]


def test_a_doubled_byte_order_mark_before_xml(tmp_path):
    path = tmp_path / "export.xml"
    path.write_bytes(b"\xef\xbb\xbf" + "\ufeff".encode() + DISQUS.read_bytes())
    assert len(read(path)[0]) == 5


# The thread export: only the structure ends a thread or starts a comment.


def test_a_commenter_cannot_end_the_thread_or_split_a_comment():
    comments, report = read(FIXTURES / "thread-with-markers.txt")
    assert [c.text for c in comments] == [
        "Good riddance, it was always full.\n• and the fees were a scandal\n• and nobody enforced the limits",
        "Comments are closed.\nComments are closed.\nThat is what they will say when we object, mark my words.",
        "Where will the ferry passengers park now?",
    ]
    assert [c.id for c in comments] == ["1", "2", "3"]
    assert report.notes == []  # the header says 3, and 3 were read


def test_a_header_count_that_disagrees_is_noted(tmp_path):
    path = tmp_path / "thread.txt"
    path.write_text((FIXTURES / "thread-with-markers.txt").read_text(encoding="utf-8").replace("3 thoughts", "5 thoughts"), encoding="utf-8")
    comments, report = read(path)
    assert len(comments) == 3
    assert report.notes == [f"{path}: the header announces 5 comments but the file holds 3; the page may have been saved before every comment loaded, or with some hidden"]
    result = invoke_cli("label", path, "--out", tmp_path / "out.csv")
    assert result.returncode == 0
    assert "moderation: note: " in result.stderr and "announces 5 comments but the file holds 3" in result.stderr


def test_seed_thread_header_mismatch_is_noted():
    _, report = read(SEED_THREAD)
    assert report.notes and "announces 50 comments but the file holds 47" in report.notes[0]


# stdin, FIFOs and process substitution: read once, copied only as needed.


def test_label_from_stdin_reads_detects_once(tmp_path):
    result = invoke_cli("label", "-", "--out", tmp_path / "out.jsonl", input=DISQUS.read_bytes())
    assert result.returncode == 0, result.stderr
    assert len((tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()) == 5


@pytest.mark.slow  # real processes: bash's <(…) and a FIFO
def test_label_from_process_substitution_and_fifo(tmp_path):
    import subprocess
    import sys

    from tests.conftest import ROOT

    out = tmp_path / "out.csv"
    shell = f"{sys.executable} -m moderation label <(cat {SEED_THREAD}) --out {out}"
    result = subprocess.run(["bash", "-c", shell], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "47 comments labeled" in result.stderr
    fifo = tmp_path / "fifo"
    import os

    os.mkfifo(fifo)
    shell = f"cat {DISQUS} > {fifo} & {sys.executable} -m moderation label {fifo} --out {tmp_path / 'fifo.csv'}"
    result = subprocess.run(["bash", "-c", shell], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "5 comments labeled" in result.stderr


def test_a_source_reads_again_from_its_start():
    with open_input(SEED_THREAD) as source:
        assert source.format == "thread"
        first, second = list(source.comments()), list(source.comments())
    assert [c.text for c in first] == [c.text for c in second] and len(first) == 47


def test_label_opens_its_input_once(tmp_path, model, monkeypatch):
    import moderation.io.readers.source as source_module

    opened = []
    original = source_module.open_descriptor
    monkeypatch.setattr(source_module, "open_descriptor", lambda *args: opened.append(args) or original(*args))
    label_file(SEED_THREAD, tmp_path / "out.csv", model, model.thresholds, quiet=True)
    assert len(opened) == 1


def test_seed_thread_in_a_copy_with_another_name(tmp_path):
    copy = tmp_path / "copy.TXT"
    shutil.copyfile(SEED_THREAD, copy)
    assert [c.thread_id for c in read(copy)[0]][:1] == ["copy"]


# Other shapes real exports take.


def test_an_xml_declaration_naming_latin1_decides_the_encoding(tmp_path):
    path = tmp_path / "old-blog.xml"
    text = WORDPRESS_COM.read_text(encoding="utf-8").replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').replace("Marta", "Martà")
    path.write_bytes(text.encode("latin-1"))
    comments, _ = read(path)
    assert comments[0].author == "Martà" and comments[1].text.startswith("Beer traps, Martà.")


@pytest.mark.parametrize(
    "content",
    ["text;author\nyou idiot;me\n", "sep=;\ntext;author\nyou idiot;me\n", "text\tauthor\nyou idiot\tme\n", "text|author\nyou idiot|me\n"],
    ids=["semicolon", "excel sep line", "tab", "pipe"],
)
def test_csv_with_other_delimiters(tmp_path, content):
    path = tmp_path / "comments.csv"
    path.write_text(content, encoding="utf-8")
    (comment,) = read(path)[0]
    assert (comment.text, comment.author) == ("you idiot", "me")


def test_a_json_array_of_records(tmp_path):
    path = tmp_path / "comments.json"
    path.write_text('[\n  {"text": "you idiot", "id": 7, "meta": {"likes": [1, 2.50, true]}},\n  {"text": "fine", "hostile": 0}\n]\n', encoding="utf-8")
    assert detect_format(path) == "jsonl"
    comments, _ = read(path)
    assert [(c.id, c.text, c.labels) for c in comments] == [("7", "you idiot", {}), ("3", "fine", {"hostile": 0})]  # ids default to the line
    assert comments[0].row["meta"] == '{"likes": [1, 2.50, true]}'
    bad = tmp_path / "bad.json"
    bad.write_text('[{"text": "a"},\n "b"]', encoding="utf-8")
    with pytest.raises(InputError, match=r"bad\.json, line 2: expected a JSON object in the array, got a string"):
        read(bad)
