"""Signs of spam and self-promotion in a comment's raw text: links and contact details, money,
and the phrases of advertising.

Spam is off-topic whatever the thread (guidelines, off_topic rule 6), but it often shares words
with nothing the labeled threads hold: a prize text, a work-from-home offer, a channel to
subscribe to. These counts carry what any spam looks like, so the off-topic prior, fitted on one
spam collection, recognizes spam of other kinds. They are counted on the raw text, before
tokenization turns "www.easy-cash.biz" and "£900" into ordinary words. They are counted on every
comment, so each pattern runs on lowercased text, behind a cheap first test where one exists.
"""

from __future__ import annotations

import re

from moderation.features.text import MAX_TEXT_CHARS

# Addresses: URLs, bare domains with a common top-level domain, e-mail addresses. Matched on
# lowercased text, each with its own cheap first test (most comments have none).
URL = re.compile(r"(?:https?://|www\.)\S+")
TOP_LEVEL_DOMAINS = "com|net|org|biz|info|ly|co|io|me|tv|xyz|us|uk|ru|cc|gl|gg|to|link|site|online|club|shop|store"
DOMAIN = re.compile(rf"[a-z0-9-]\.(?:{TOP_LEVEL_DOMAINS})\b")
# DOMAIN's cheap first test: a pattern that starts with a literal is searched for quickly.
DOMAIN_ENDING = re.compile(rf"\.(?:{TOP_LEVEL_DOMAINS})\b")
EMAIL = re.compile(r"[\w.+-]@[\w-]+\.[a-z]")
# Phone numbers: 7 or more digits, possibly split by spaces, dashes or brackets (not dots:
# "3.14159265" is a number), after an optional "+". (A "+" allowed before every digit made a
# failed match backtrack through the whole run: "+1+1+1…" took seconds.)
PHONE = re.compile(r"(?<![\w.])\+?\d(?:[\s()-]?\d){6,}(?!\w|\.\d)")
PHONE_DIGITS = 7
"""The digits PHONE needs: its cheap first test."""
# Money offered by the hour, day or month: "$85 an hour", "£5/month", "5,000 dollars a week".
# Amounts alone are no sign: news comments quote budgets and prices. An amount starts where a
# number does (not after "," or "."): starting inside one made "$ 1,1,1,…" take quadratic time.
MONEY_RATE = re.compile(
    r"(?:[$£€]\s?\d[\d,.]*\s?[km]?|(?<![\w,.])\d[\d,.]*\s?(?:dollars|bucks|usd|pounds|gbp|euros?))"
    r"\s?(?:/|an?|per|each|every)\s?(?:hour|hr|day|week|month|mo)\b"
)
MONEY_WORDS = ("$", "£", "€", "dollar", "buck", "usd", "pound", "gbp", "euro")
"""MONEY_RATE's cheap first test: it needs one of these."""
# Phrases of advertising and of asking for attention. Words news comments use for other things
# ("free", "win", "prize", "bonus", "bitcoin", "call") count only inside a phrase. Each phrase
# starts with a letter (or digit) of its own: see :func:`phrases_pattern`.
PROMOTION_PHRASES = (
    r"subscribe\w*",
    r"my (?:new )?(?:channel|video|videos|vid|page|site|website|blog|shop|store|profile|music|song|cover|mixtape)",
    r"check (?:out|it out|this out) my",
    r"click (?:here|the link|this link|on (?:the|this|my) link)",
    r"visit (?:my|our|www|us)",
    r"visit (?:the|this|our) (?:site|website|page|link)",
    r"follow (?:me|us|my)",
    r"like (?:and|&) subscribe",
    r"please (?:like|share|follow|subscribe|visit|support) (?:my|me|us|our)",
    r"giveaways?",
    r"promo(?:tion)? code",
    r"coupon",
    r"gift card",
    r"free (?:gift|trial|iphone|entry|ringtone|tickets?|samples?|followers|likes|views)",
    r"you (?:have )?(?:won|been selected)",
    r"selected to (?:receive|win)",
    r"claim (?:your|now)",
    r"cash prize",
    r"prize (?:reward|draw)",
    r"win (?:a|an) (?:free|cash|brand new|iphone|\$|£|€)",
    r"congratulations,? (?:you|ur)",
    r"earn(?:ed|ing)? (?:money|cash|\$|up to|from home)",
    r"earn(?:ed|ing)? (?:an? )?(?:extra |passive |steady )?income",
    r"mak(?:e|ing) (?:a lot of |some |extra |real |easy |quick )?money",
    r"mak(?:e|ing) (?:an? )?(?:extra |passive |steady )?income",
    r"bonus deals?",
    r"work(?:ing)? from home",
    r"extra income",
    r"passive income",
    r"get paid (?:to|for|daily|weekly)",
    r"paid surveys?",
    r"investment platform",
    r"trading platform",
    r"viagra",
    r"betting tips",
    r"dating site",
    r"hot singles",
    r"cheap (?:essays?|followers|likes)",
    r"buy (?:essays?|followers|likes)",
    r"txt",
    r"text (?:stop|to \d)",
    r"call (?:now|free) ",
    r"act now",
    r"order now",
    r"buy now",
    r"limited time offer",
    r"100% free",
    r"whatsapp",
    r"telegram",
    r"dm me",
    r"inbox me",
    r"search (?:on|for it on) google",
    r"open google and type",
    r"google and type",
    r"on (?:their|our|my) (?:web ?site|channel)",
    r"best (?:web ?site|site) to",
)


def phrases_pattern(phrases: tuple[str, ...]) -> re.Pattern:
    """One pattern matching any of ``phrases`` as whole words, its branches grouped by their
    first character: the engine then tries only the phrases that start with the character it
    is at, not all of them at every word (1.7 times as fast on news comments)."""
    by_first: dict[str, list[str]] = {}
    for phrase in phrases:
        by_first.setdefault(phrase[0], []).append(phrase[1:])
    branches = [f"{re.escape(first)}(?:{'|'.join(rests)})" for first, rests in by_first.items()]
    return re.compile(r"\b(?:" + "|".join(branches) + r")\b")  # matched on lowercased text


PROMOTION = phrases_pattern(PROMOTION_PHRASES)
DIGIT = re.compile(r"\d")
MAX_COUNT = 3
"""Counts stop here: a long comment citing many sources is no more spam than one citing three."""


def spam_found(text: str) -> tuple[list[str], list[str]]:
    """The links, e-mail addresses and phone numbers of ``text`` (lowercased), and its
    advertising phrases and offers of money by the hour or month."""
    lower = text[:MAX_TEXT_CHARS].lower()  # what the model reads, and a bound on the work
    promotion = PROMOTION.findall(lower)
    links = []
    digits = len(DIGIT.findall(lower))
    if digits >= PHONE_DIGITS:
        links += PHONE.findall(lower)
    if digits and any(word in lower for word in MONEY_WORDS):
        promotion += MONEY_RATE.findall(lower)
    if "@" in lower:
        links += EMAIL.findall(lower)
    if "http" in lower or "www" in lower:
        links += URL.findall(lower)
        lower = URL.sub(" ", lower)  # its domain is not counted again
    if DOMAIN_ENDING.search(lower):
        links += DOMAIN.findall(lower)
    return links, promotion


def spam_signs(text: str) -> tuple[int, int]:
    """(links, promotion): how many of :func:`spam_found`'s each the text holds, at most
    :data:`MAX_COUNT`."""
    links, promotion = spam_found(text)
    return min(len(links), MAX_COUNT), min(len(promotion), MAX_COUNT)
