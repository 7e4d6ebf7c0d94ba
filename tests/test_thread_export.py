import pytest

from moderation.errors import InputError
from moderation.io.readers import ReadOptions, read_comments
from tests.conftest import SEED_THREAD


def test_seed_thread_has_47_comments_in_order(seed_comments):
    assert len(seed_comments) == 47
    assert [c.id for c in seed_comments] == [str(i) for i in range(1, 48)]
    assert seed_comments[0].text.startswith("Syria, Cuba, North Korea and Iran are all allies.")
    assert seed_comments[-1].text == "Wow! I thought Cuba was smarter than that!"
    assert {c.thread_id for c in seed_comments} == {"havana-times-cuba-north-korea"}


def test_article_is_separated_from_the_comments(seed_comments):
    article = seed_comments[0].article
    assert article.startswith("The Great Friendship between Cuba and North Korea")
    assert article.endswith("matters of mutual concern.")
    assert "thoughts on" not in article
    assert all(c.article == article for c in seed_comments)
    assert not any("Comments are closed" in c.text for c in seed_comments)


def test_continuation_lines_are_joined_and_paragraphs_kept(seed_comments):
    second = seed_comments[1].text
    assert second.endswith("declared war on Japan.\n\nOr were you unaware of this historical fact?")
    long_comment = seed_comments[29].text  # lines 154–163 of the export: one bullet line, nine continuation lines
    assert long_comment.startswith("nidal, as usual you are wandering all over the map.\nBut to answer")
    assert long_comment.count("\n") == 9
    assert not any(line != line.strip() for c in seed_comments for line in c.text.split("\n"))


def test_typography_is_intact(seed_comments):
    texts = "\n".join(c.text for c in seed_comments)
    assert "That’s good news for Wolf!" in texts  # curly apostrophe
    assert "“Money makes the world go around”" in texts  # curly quotes
    assert "…..the internet is not available in North Korea" in texts  # ellipsis character
    assert "Díaz-Canel" in seed_comments[0].article  # accent


def test_text_that_is_not_a_thread_export_is_refused(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("just some notes\nno comments here\n", encoding="utf-8")
    with pytest.raises(InputError, match="not a thread export"):
        list(read_comments(path, ReadOptions(format="thread")))


def test_export_without_comments_is_refused(tmp_path):
    path = tmp_path / "empty-thread.txt"
    path.write_text("Title\n\nArticle text.\n\n0 thoughts on “Title”\n\nComments are closed.\n", encoding="utf-8")
    with pytest.raises(InputError, match="no comments"):
        list(read_comments(path, ReadOptions(format="thread")))


def test_stray_unindented_line_names_its_line(tmp_path):
    path = tmp_path / "odd.txt"
    path.write_text("Title\n\nArticle.\n\n2 thoughts on “Title”\n\n  • first\n\nstray text\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"line 9: expected a comment"):
        list(read_comments(path, ReadOptions(format="thread")))


def test_seed_file_is_the_unchanged_export():
    # The export must stay byte-for-byte what the site produced; labels refer to it by position.
    assert SEED_THREAD.read_bytes().count(b"\xe2\x80\xa2") == 47
