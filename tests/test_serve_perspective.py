"""Perspective's wire format: request validation, Google-shaped errors, spans, responses."""

import numpy as np
import pytest

from moderation.server.perspective import (
    MAX_COMMENT_BYTES,
    ApiError,
    analyze_response,
    parse_analyze,
    parse_json,
    parse_suggest,
    spans_of,
    utf16_offsets,
)

SERVED = ("off_topic", "hostile", "ad_hominem")


def analyze(**request):
    return parse_analyze({"comment": {"text": "hello there"}, "requestedAttributes": {"TOXICITY": {}}, **request}, SERVED)


def error_of(call, *args, **kwargs) -> ApiError:
    with pytest.raises(ApiError) as caught:
        call(*args, **kwargs)
    return caught.value


def test_attribute_names_map_to_labels():
    names = ["TOXICITY", "SEVERE_TOXICITY", "INSULT", "ATTACK_ON_COMMENTER", "ATTACK_ON_AUTHOR", "OFF_TOPIC", "hostile", "TOXICITY@6"]
    request = analyze(requestedAttributes={name: {} for name in names})
    assert [(a.name, a.label) for a in request.attributes] == [
        ("TOXICITY", "hostile"),
        ("SEVERE_TOXICITY", "hostile"),
        ("INSULT", "hostile"),
        ("ATTACK_ON_COMMENTER", "ad_hominem"),
        ("ATTACK_ON_AUTHOR", "ad_hominem"),
        ("OFF_TOPIC", "off_topic"),
        ("hostile", "hostile"),
        ("TOXICITY@6", "hostile"),
    ]


@pytest.mark.parametrize("name", ["PROFANITY", "TOXICITY@beta", "toxicity"])
def test_unknown_attribute_is_an_error_not_dropped(name):
    error = error_of(analyze, requestedAttributes={"TOXICITY": {}, name: {}})
    assert (error.code, error.status, str(error)) == (400, "INVALID_ARGUMENT", f"Unknown requested attribute: {name}")
    assert error.body()["error"]["details"][0]["errorType"] == "INVALID_REQUEST"


def test_drop_unsupported_attributes_leaves_unknown_ones_out():
    request = analyze(requestedAttributes={"TOXICITY": {}, "PROFANITY": {}}, dropUnsupportedAttributes=True)
    assert [a.name for a in request.attributes] == ["TOXICITY"]


def test_an_untrained_label_is_not_served():
    error = error_of(parse_analyze, {"comment": {"text": "x"}, "requestedAttributes": {"OFF_TOPIC": {}}}, ("hostile",))
    assert str(error) == "Unknown requested attribute: OFF_TOPIC"


def test_score_types():
    assert analyze(requestedAttributes={"TOXICITY": {"scoreType": "PROBABILITY", "scoreThreshold": 0.5}}).attributes[0].threshold == 0.5
    unsupported = error_of(analyze, requestedAttributes={"TOXICITY": {"scoreType": "STD_DEV_SCORE"}})
    assert str(unsupported) == "Requested score type STD_DEV_SCORE is not supported by attribute TOXICITY"
    invalid = error_of(analyze, requestedAttributes={"TOXICITY": {"scoreType": "LOUDNESS"}})
    assert "LOUDNESS" in str(invalid) and invalid.code == 400


def test_request_error_types():
    assert error_of(analyze, comment={"text": "   "}).error_type == "COMMENT_EMPTY"
    assert error_of(parse_analyze, {"requestedAttributes": {"TOXICITY": {}}}, SERVED).error_type == "COMMENT_EMPTY"
    assert error_of(analyze, requestedAttributes={}).error_type == "NO_REQUESTED_ATTRIBUTES"
    assert error_of(parse_analyze, {"comment": {"text": "x"}}, SERVED).error_type == "NO_REQUESTED_ATTRIBUTES"
    assert "PLAIN_TEXT" in str(error_of(analyze, comment={"text": "<b>x</b>", "type": "HTML"}))


def test_comment_limit_is_20_kb_of_utf8():
    assert analyze(comment={"text": "a" * MAX_COMMENT_BYTES}).text
    too_long = error_of(analyze, comment={"text": "a" * (MAX_COMMENT_BYTES + 1)})
    assert (too_long.error_type, str(too_long)) == ("COMMENT_TOO_LONG", "Comment text too long.")
    # 7,000 characters, but 21,000 bytes.
    assert error_of(analyze, comment={"text": "é" * 6000 + "€" * 3000}).error_type == "COMMENT_TOO_LONG"


def test_languages():
    assert analyze(languages=["en"]).languages == ["en"]
    assert analyze(languages=["en-US"]).languages == ["en-US"]
    assert analyze().languages == [] and analyze(languages=[]).languages == []
    error = error_of(analyze, languages=["en", "de"], requestedAttributes={"INSULT": {}})
    assert str(error) == "Attribute INSULT does not support request languages: en, de"
    detail = error.body()["error"]["details"][0]
    assert detail["errorType"] == "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE"
    assert detail["languageNotSupportedByAttributeError"] == {"requestedLanguages": ["en", "de"], "attribute": "INSULT"}


def test_context_is_article_and_earlier_comments():
    pair = analyze(context={"articleAndParentComment": {"article": {"text": "The article"}, "parentComment": {"text": "The parent"}}})
    assert (pair.article, pair.earlier) == ("The article", ["The parent"])
    entries = analyze(context={"entries": [{"text": "Post"}, {"text": "first"}, {"text": "second", "type": "PLAIN_TEXT"}]})
    assert (entries.article, entries.earlier) == ("Post", ["first", "second"])
    long_thread = analyze(context={"entries": [{"text": f"comment {i}"} for i in range(200)]})
    assert long_thread.article == "comment 0" and long_thread.earlier == [f"comment {i}" for i in range(150, 200)]
    both = error_of(analyze, context={"entries": [], "articleAndParentComment": {}})
    assert "either entries or article_and_parent_comment" in str(both)


def test_snake_case_names_are_accepted_and_unknown_names_refused():
    request = parse_analyze(
        {"comment": {"text": "hi"}, "requested_attributes": {"TOXICITY": {"score_threshold": 0.2}}, "client_token": "t", "span_annotations": True},
        SERVED,
    )
    assert (request.attributes[0].threshold, request.client_token, request.span_annotations) == (0.2, "t", True)
    error = error_of(analyze, requestedAttribute={"TOXICITY": {}})
    assert 'Unknown name "requestedAttribute"' in str(error)


def test_wrong_types_are_400s():
    assert error_of(analyze, comment={"text": 42}).code == 400
    assert error_of(analyze, languages="en").code == 400
    assert error_of(analyze, doNotStore="yes").code == 400
    assert error_of(analyze, requestedAttributes={"TOXICITY": {"scoreThreshold": True}}).code == 400


def test_malformed_json():
    for body in (b"{", b"[1, 2]", b"\xff\xfe", b"[" * 100_000, b'{"comment": {"text": "a \\ud800 b"}}'):
        error = error_of(parse_json, body)
        assert error.code == 400 and str(error).startswith("Invalid JSON payload received.")
    assert parse_json(b'{"comment": {"text": "\\ud83d\\ude00 paired is fine"}}')["comment"]["text"] == "😀 paired is fine"


def test_utf16_offsets_count_astral_characters_twice():
    text = "a🤬b😀c"
    assert utf16_offsets(text, [0, 1, 2, 3, 4, 5]) == [0, 1, 3, 4, 6, 7]
    assert utf16_offsets(text, [5, 0]) == [7, 0]
    assert utf16_offsets("plain", [0, 5]) == [0, 5]
    assert len("a🤬b😀c".encode("utf-16-le")) // 2 == 7


def test_spans_are_the_whole_text_then_sentences_when_asked():
    text = "You are wrong.  Go away! 🤬 Really?"
    assert spans_of(analyze(comment={"text": text})) == [(0, len(text))]
    spans = spans_of(analyze(comment={"text": text}, spanAnnotations=True))
    assert spans[0] == (0, len(text))
    assert [text[b:e] for b, e in spans[1:]] == ["You are wrong.", "Go away!", "🤬 Really?"]
    assert spans_of(analyze(comment={"text": "One sentence."}, spanAnnotations=True)) == [(0, 13)]


def test_response_shape_thresholds_and_utf16_spans():
    request = analyze(
        comment={"text": "You 🤬. Bye."},
        requestedAttributes={"TOXICITY": {}, "OFF_TOPIC": {"scoreThreshold": 0.5}, "ATTACK_ON_AUTHOR": {"scoreThreshold": 0.3}},
        spanAnnotations=True,
        clientToken="abc",
    )
    spans = spans_of(request)
    scores = np.array([[0.1, 0.9, 0.4], [0.1, 0.95, 0.2], [0.1, 0.05, 0.35]])  # off_topic, hostile, ad_hominem
    response = analyze_response(request, spans, scores)
    assert list(response) == ["attributeScores", "languages", "detectedLanguages", "clientToken"]
    assert set(response["attributeScores"]) == {"TOXICITY", "ATTACK_ON_AUTHOR"}  # OFF_TOPIC 0.1 < 0.5
    toxicity = response["attributeScores"]["TOXICITY"]
    assert toxicity["summaryScore"] == {"value": 0.9, "type": "PROBABILITY"}
    assert [(s["begin"], s["end"], s["score"]["value"]) for s in toxicity["spanScores"]] == [(0, 12, 0.9), (0, 7, 0.95), (8, 12, 0.05)]
    attack = response["attributeScores"]["ATTACK_ON_AUTHOR"]["spanScores"]
    assert [(s["begin"], s["end"]) for s in attack] == [(0, 12), (8, 12)]  # the 0.2 span is below 0.3
    assert (response["languages"], response["detectedLanguages"], response["clientToken"]) == (["en"], ["en"], "abc")


def suggest(scores, **request):
    body = {"comment": {"text": "some comment"}, "attributeScores": {k: {"summaryScore": {"value": v}} for k, v in scores.items()}, **request}
    return parse_suggest(body, SERVED)


def test_suggested_scores_become_labels():
    assert suggest({"TOXICITY": 1}).labels == {"off_topic": None, "hostile": 1, "ad_hominem": None}
    assert suggest({"INSULT": 0, "TOXICITY": 0.9, "OFF_TOPIC": 0.2}).labels == {"off_topic": 0, "hostile": 1, "ad_hominem": None}
    assert suggest({"APPROVED": 1}).labels == {"off_topic": 0, "hostile": 0, "ad_hominem": 0}
    assert suggest({"APPROVED": 1, "ATTACK_ON_AUTHOR": 1}).labels == {"off_topic": 0, "hostile": 0, "ad_hominem": 1}
    assert suggest({"DELETED": 1}).labels == {"off_topic": None, "hostile": None, "ad_hominem": None}


def test_suggestion_context_and_errors():
    request = suggest({"TOXICITY": 1}, context={"articleAndParentComment": {"article": {"text": "Art"}}}, clientToken="comment:7")
    assert (request.article, request.client_token) == ("Art", "comment:7")
    assert "Unknown requested attribute: THREAT" == str(error_of(suggest, {"THREAT": 1}))
    assert "probability" in str(error_of(suggest, {"TOXICITY": 2}))
    assert error_of(suggest, {}).code == 400
    assert error_of(parse_suggest, {"comment": {"text": "x"}, "attributeScores": {"TOXICITY": {}}}, SERVED).code == 400
