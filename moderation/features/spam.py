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

# Addresses: URLs, bare domains with a common top-level domain, e-mail addresses. Matched on
# lowercased text, each with its own cheap first test (most comments have none).
URL = re.compile(r"(?:https?://|www\.)\S+")
DOMAIN = re.compile(r"[a-z0-9-]\.(?:com|net|org|biz|info|ly|co|io|me|tv|xyz|us|uk|ru|cc|gl|gg|to|link|site|online|club|shop|store)\b")
EMAIL = re.compile(r"[\w.+-]@[\w-]+\.[a-z]")
# Phone numbers: 7 or more digits, possibly split by spaces, dashes or brackets (not dots:
# "3.14159265" is a number).
PHONE = re.compile(r"(?<![\w.])(?:\+?\d[\s()-]?){6,}\d(?!\w|\.\d)")
# Money offered by the hour, day or month: "$85 an hour", "£5/month", "5,000 dollars a week".
# Amounts alone are no sign: news comments quote budgets and prices.
MONEY_RATE = re.compile(
    r"(?:[$£€]\s?\d[\d,.]*\s?[km]?|\b\d[\d,.]*\s?(?:dollars|bucks|usd|pounds|gbp|euros?))"
    r"\s?(?:/|an?|per|each|every)\s?(?:hour|hr|day|week|month|mo)\b"
)
# Phrases of advertising and of asking for attention. Words news comments use for other things
# ("free", "win", "prize", "bonus", "bitcoin", "call") count only inside a phrase.
PROMOTION = re.compile(
    r"\b(?:"
    r"subscribe\w*|my (?:new )?(?:channel|video|videos|vid|page|site|website|blog|shop|store|profile|music|song|cover|mixtape)"
    r"|check (?:out|it out|this out) my|click (?:here|the link|this link|on (?:the|this|my) link)|visit (?:my|our|www|us)"
    r"|follow (?:me|us|my)|like (?:and|&) subscribe|please (?:like|share|follow|subscribe|visit|support) (?:my|me|us|our)"
    r"|giveaways?|promo(?:tion)? code|coupon|gift card|free (?:gift|trial|iphone|entry|ringtone|tickets?|samples?|followers|likes|views)"
    r"|you (?:have )?(?:won|been selected)|selected to (?:receive|win)|claim (?:your|now)|cash prize|prize (?:reward|draw)"
    r"|win (?:a|an) (?:free|cash|brand new|iphone|\$|£|€)|congratulations,? (?:you|ur)"
    r"|earn(?:ed|ing)? (?:money|cash|\$|up to|from home)|mak(?:e|ing) (?:a lot of |some |extra |real |easy |quick )?money"
    r"|(?:mak|earn)(?:e|ing)? (?:an? )?(?:extra |passive |steady )?income|bonus deals?|work(?:ing)? from home"
    r"|extra income|passive income|get paid (?:to|for|daily|weekly)|paid surveys?"
    r"|investment platform|trading platform|viagra|betting tips|dating site|hot singles|(?:cheap|buy) (?:essays?|followers|likes)"
    r"|txt|text (?:stop|to \d)|call (?:now|free) |act now|order now|buy now|limited time offer|100% free"
    r"|whatsapp|telegram|dm me|inbox me|search (?:on|for it on) google|(?:open )?google and type|on (?:their|our|my) (?:web ?site|channel)"
    r"|visit (?:the|this|our) (?:site|website|page|link)|best (?:web ?site|site) to"
    r")\b",
)  # matched on lowercased text: no IGNORECASE, which makes the many branches three times slower
DIGIT = re.compile(r"\d")
MAX_COUNT = 3
"""Counts stop here: a long comment citing many sources is no more spam than one citing three."""


def spam_found(text: str) -> tuple[list[str], list[str]]:
    """The links, e-mail addresses and phone numbers of ``text`` (lowercased), and its
    advertising phrases and offers of money by the hour or month."""
    lower = text.lower()
    promotion = PROMOTION.findall(lower)
    links = []
    if DIGIT.search(lower):
        links += PHONE.findall(lower)
        promotion += MONEY_RATE.findall(lower)
    if "@" in lower:
        links += EMAIL.findall(lower)
    if "http" in lower or "www" in lower:
        links += URL.findall(lower)
        lower = URL.sub(" ", lower)  # its domain is not counted again
    return links + DOMAIN.findall(lower), promotion


def spam_signs(text: str) -> tuple[int, int]:
    """(links, promotion): how many of :func:`spam_found`'s each the text holds, at most
    :data:`MAX_COUNT`."""
    links, promotion = spam_found(text)
    return min(len(links), MAX_COUNT), min(len(promotion), MAX_COUNT)
