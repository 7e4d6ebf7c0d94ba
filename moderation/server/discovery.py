"""The discovery document of ``commentanalyzer`` v1alpha1, pointing at this server.

Google's generated clients build themselves from this document: with ``rootUrl`` set to the
address the client used to fetch it, ``googleapiclient.discovery.build("commentanalyzer",
"v1alpha1", discoveryServiceUrl=...)`` sends its calls here. The schemas describe the same
messages as Perspective's, field for field; the descriptions say how this server treats them.
"""

from __future__ import annotations

API_VERSION = "v1alpha1"

SCORE_TYPE_ENUM = ["SCORE_TYPE_UNSPECIFIED", "PROBABILITY", "STD_DEV_SCORE", "PERCENTILE", "RAW"]


def string(description: str, **extra) -> dict:
    """A discovery-document schema of a string."""
    return {"type": "string", "description": description, **extra}


def ref(schema: str, description: str) -> dict:
    """A discovery-document reference to another schema."""
    return {"$ref": schema, "description": description}


def object_schema(name: str, description: str, properties: dict) -> dict:
    """A discovery-document object schema with these properties."""
    return {"id": name, "type": "object", "description": description, "properties": properties}


def map_of(schema: str, description: str) -> dict:
    """A discovery-document map schema with values of this schema."""
    return {"type": "object", "additionalProperties": {"$ref": schema}, "description": description}


def strings(description: str) -> dict:
    """A discovery-document schema of a list of strings."""
    return {"type": "array", "items": {"type": "string"}, "description": description}


SCHEMAS = {
    "TextEntry": object_schema(
        "TextEntry",
        "A text.",
        {
            "text": string("The text, UTF-8."),
            "type": string("PLAIN_TEXT; HTML is refused.", enum=["TEXT_TYPE_UNSPECIFIED", "PLAIN_TEXT", "HTML"]),
        },
    ),
    "ArticleAndParentComment": object_schema(
        "ArticleAndParentComment",
        "The article a comment is about and the comment it replies to.",
        {
            "article": ref("TextEntry", "The article (or its summary) the comment responds to."),
            "parentComment": ref("TextEntry", "The comment this one replies to, if any."),
        },
    ),
    "Context": object_schema(
        "Context",
        "What the comment responds to: set entries or articleAndParentComment, not both.",
        {
            "entries": {"type": "array", "items": {"$ref": "TextEntry"}, "description": "The conversation so far: the article first, then earlier comments, the parent last."},
            "articleAndParentComment": ref("ArticleAndParentComment", "The article and the parent comment."),
        },
    ),
    "AttributeParameters": object_schema(
        "AttributeParameters",
        "How to score one attribute.",
        {
            "scoreType": string("PROBABILITY (the default) is the only score type served.", enum=SCORE_TYPE_ENUM),
            "scoreThreshold": {"type": "number", "format": "float", "description": "From 0 to 1: served scores below this are left out of the response."},
        },
    ),
    "AnalyzeCommentRequest": object_schema(
        "AnalyzeCommentRequest",
        "A comment to score.",
        {
            "comment": ref("TextEntry", "The comment, at most 20 KB."),
            "context": ref("Context", "The article and earlier comments; they inform off-topic and ad hominem scores."),
            "requestedAttributes": map_of("AttributeParameters", "The attributes to score, by name (at most 32)."),
            "languages": strings("Language codes of the comment; only English (en) is scored, others get what the server's --other-languages says."),
            "doNotStore": {"type": "boolean", "description": "Accepted; analyzed comments are never stored."},
            "clientToken": string("Echoed in the response."),
            "sessionId": string("Accepted and ignored."),
            "communityId": string("Accepted and ignored."),
            "spanAnnotations": {"type": "boolean", "description": "Also score each sentence."},
            "dropUnsupportedAttributes": {"type": "boolean", "description": "Leave out attributes this server does not answer instead of failing."},
        },
    ),
    "Score": object_schema(
        "Score",
        "A score and its type.",
        {
            "value": {"type": "number", "format": "float", "description": "The score, from 0 to 1: on the server's scale (by default each label's threshold is 0.8)."},
            "type": string("The type of the value.", enum=SCORE_TYPE_ENUM),
        },
    ),
    "SpanScore": object_schema(
        "SpanScore",
        "The score of a span of the text.",
        {
            "begin": {"type": "integer", "format": "int32", "description": "Start, in UTF-16 code units."},
            "end": {"type": "integer", "format": "int32", "description": "End (exclusive), in UTF-16 code units."},
            "score": ref("Score", "The span's score."),
        },
    ),
    "AttributeScores": object_schema(
        "AttributeScores",
        "One attribute's scores.",
        {
            "summaryScore": ref("Score", "The whole comment's score."),
            "spanScores": {"type": "array", "items": {"$ref": "SpanScore"}, "description": "The whole text first, then sentences when requested."},
        },
    ),
    "AnalyzeCommentResponse": object_schema(
        "AnalyzeCommentResponse",
        "The scores of a comment.",
        {
            "attributeScores": map_of("AttributeScores", "Scores by requested attribute name."),
            "languages": strings("The languages the comment was scored as."),
            "detectedLanguages": strings("en, or the language of a comment the model does not score."),
            "clientToken": string("The request's clientToken."),
        },
    ),
    "SuggestCommentScoreRequest": object_schema(
        "SuggestCommentScoreRequest",
        "Scores a comment should have had; appended to the server's feedback file for training.",
        {
            "comment": ref("TextEntry", "The comment."),
            "context": ref("Context", "Its article and earlier comments."),
            "attributeScores": map_of("AttributeScores", "Suggested summary scores by attribute name (or APPROVED / DELETED)."),
            "languages": strings("Language codes; suggestions in languages other than English are refused."),
            "clientToken": string("Echoed in the response; also the feedback row's id."),
            "sessionId": string("Accepted and ignored."),
            "communityId": string("Accepted and ignored."),
        },
    ),
    "SuggestCommentScoreResponse": object_schema(
        "SuggestCommentScoreResponse",
        "The suggestion was stored.",
        {
            "clientToken": string("The request's clientToken."),
            "detectedLanguages": strings("en: the language the model scores."),
            "requestedLanguages": strings("The request's languages."),
        },
    ),
}

STANDARD_PARAMETERS = {
    "key": string("API key (one of the server's --api-keys).", location="query"),
    "alt": string("Response format: json only.", location="query", default="json", enum=["json"]),
    "prettyPrint": {"type": "boolean", "description": "Indent the response.", "default": "true", "location": "query"},
    "fields": string("Accepted and ignored: responses are always whole.", location="query"),
    "$.xgafv": string("Accepted and ignored.", location="query", enum=["1", "2"]),
    "quotaUser": string("Accepted and ignored.", location="query"),
}


def method(name: str, request: str, response: str, description: str) -> dict:
    """A discovery-document method: POST ``comments:<name>`` with a ``request`` schema,
    answered with a ``response`` one."""
    path = f"{API_VERSION}/comments:{name}"
    return {
        "id": f"commentanalyzer.comments.{name}",
        "path": path,
        "flatPath": path,
        "httpMethod": "POST",
        "parameters": {},
        "parameterOrder": [],
        "request": {"$ref": request},
        "response": {"$ref": response},
        "description": description,
    }


def discovery_document(root_url: str) -> dict:
    """The discovery document with ``root_url`` (ending in ``/``) as the API's address."""
    return {
        "kind": "discovery#restDescription",
        "discoveryVersion": "v1",
        "id": f"commentanalyzer:{API_VERSION}",
        "name": "commentanalyzer",
        "version": API_VERSION,
        "title": "Perspective Comment Analyzer API (served offline by moderation)",
        "description": "Scores comments for toxicity, attacks on people and off-topic content with a local model.",
        "protocol": "rest",
        "rootUrl": root_url,
        "servicePath": "",
        "baseUrl": root_url,
        "batchPath": "batch",
        "parameters": STANDARD_PARAMETERS,
        "schemas": SCHEMAS,
        "resources": {
            "comments": {
                "methods": {
                    "analyze": method("analyze", "AnalyzeCommentRequest", "AnalyzeCommentResponse", "Scores a comment for the requested attributes."),
                    "suggestscore": method(
                        "suggestscore", "SuggestCommentScoreRequest", "SuggestCommentScoreResponse", "Stores suggested scores as training data."
                    ),
                }
            }
        },
    }
