"""Small word lists the context features use, written for this project.

Kept as plain sets so the scoring path needs nothing but the standard library and NumPy.
"""

# Function words and fillers: they carry no topic, so they are left out of the content
# vectors that article and thread similarity compare, and they are never participant names.
STOP_WORDS = frozenset(
    """
    a about above after again against all almost also although always am among an and another
    any anybody anyone anything are aren't around as at away back be because been before being
    below between both but by can can't cannot could couldn't did didn't do does doesn't doing
    don't done down during each either else enough even ever every everybody everyone everything
    few for from further get gets getting go goes going gone got had hadn't has hasn't have
    haven't having he he'd he'll he's her here here's hers herself him himself his how how's
    however i i'd i'll i'm i've if in into is isn't it it's its itself just least less let let's
    like made make makes many may me might more most much must mustn't my myself neither never
    no nobody none nor not nothing now of off often oh ok okay on once one only or other others
    otherwise ought our ours ourselves out over own per perhaps please quite rather really right
    said same say says see seem seems shall shan't she she'd she'll she's should shouldn't since
    so some somebody someone something still such sure than that that's the their theirs them
    themselves then there there's these they they'd they'll they're they've thing things think
    this those though through thus to too toward towards under until up upon us very via was
    wasn't way we we'd we'll we're we've well were weren't what what's whatever when when's
    where where's whether which while who who's whom whose why why's will with within without
    won't would wouldn't yes yet you you'd you'll you're you've your yours yourself yourselves
    wow hey yeah yep nope hmm lol thanks thank sorry correction hello hi dear sir madam
    """.split()
)

# Words of reacting to a piece or a discussion ("Great article.", "I agree with the author.",
# "Thanks for the link."): they name no topic, so they are not content words, and a comment
# made of them has nothing to compare with its article or thread.
REACTION_WORDS = frozenset(
    """
    article articles author authors writer writers story stories piece post posts link links
    read reading column columnist editorial report reporting journalist headline comment
    comments commenter agree agreed agrees disagree disagreed great good nice excellent
    interesting fantastic brilliant awesome amazing wonderful terrible awful bad best worst
    thanks thank thx appreciate appreciated well said exactly true totally absolutely indeed
    correct wrong point points lol haha lmao hahaha
    """.split()
)

# Words that address the reader directly: the commonest form of attacking a fellow commenter.
SECOND_PERSON = frozenset(
    "you your yours yourself yourselves you're you've you'd you'll ya u ur yall y'all".split()
)

# Phrases that address the other commenters as a group ("come on people", "you all").
GROUP_ADDRESS_PHRASES = (
    "you all",
    "all of you",
    "you people",
    "you guys",
    "you lot",
    "you folks",
    "come on people",
    "people here",
    "commenters",
    "commentators",
    "posters here",
    "none of you",
    "any of you",
    "some of you",
)
# Every phrase above contains one of these, so a comment without them cannot match any.
GROUP_ADDRESS_TRIGGERS = frozenset({"you", "people", "commenters", "commentators", "posters"})
assert all(set(phrase.split()) & GROUP_ADDRESS_TRIGGERS for phrase in GROUP_ADDRESS_PHRASES)

# Insults, slurs, demeaning words and profanity. A hit is evidence of hostile manner, not
# proof: "damn" aimed at no one is not hostile, which the model learns from the labels.
HOSTILE_WORDS = frozenset(
    """
    idiot idiots idiotic stupid stupidity dumb dumber dumbest moron morons moronic imbecile
    imbeciles fool fools foolish ignorant ignoramus hypocrite hypocrites hypocritical loser
    losers scum scumbag scumbags trash garbage pathetic disgusting thug thugs sycophant
    sycophants loudmouth loudmouths clown clowns jerk jerks bastard bastards bitch bitches
    bitchy asshole assholes arsehole shit shits shitty bullshit crap crappy damn goddamn
    retard retards retarded pig pigs vermin filth filthy coward cowards cowardly
    creep creeps creepy dimwit nitwit halfwit troll trolls shill shills pudgy ugly cretin
    cretins dunce numbskull twit twat cunt cunts dick dicks dickhead prick pricks whore whores
    slut sluts hoe hoes nigger niggers nigga niggas faggot faggots fag fags dyke kike spic
    chink wetback tranny savage savages degenerate degenerates worthless useless
    brainless clueless gullible delusional deranged lunatic lunatics nutjob nutcase wacko
    psycho psychopath sociopath stfu wtf fuck fucks fucking fucked fucker fuckers motherfucker
    douche douchebag jackass dumbass dipshit pussy pussies bimbo hag skank sleazy sleazebag
    vile despicable repulsive bigot bigots bigoted libtard libtards ass asses arse piss pissed
    xxcensored
    """.split()
)

# Accusations and disparaging words: milder than insults, often aimed at public figures.
# A separate feature, so the model weighs them apart from outright abuse.
DISPARAGING_WORDS = frozenset(
    """
    liar liars lying crook crooks corrupt dishonest fraud frauds traitor traitors puppet
    puppets thief thieves criminal criminals hypocrisy incompetent incompetence ridiculous
    nonsense absurd rubbish drivel propaganda shameful disgrace disgraceful whining whiner
    whiners crybaby snowflake snowflakes sheep sheeple hack hacks racist racists sexist
    nazi nazis fascist fascists commie commies thuggish cowardice arrogant smug
    """.split()
)

# Words commenters disguise ("i d i o t", "1d10t", "idiooot"): spelling a disguised word back
# is done only when it gives one of these, so ordinary text is never respelled.
DISGUISED_WORDS = (HOSTILE_WORDS | DISPARAGING_WORDS) - {"xxcensored"}

# Words recognized when a disguise has to be read back into words: spaced-out letters split
# into words, and text behind a right-to-left override put in the order that reads.
KNOWN_WORDS = STOP_WORDS | SECOND_PERSON | REACTION_WORDS | DISGUISED_WORDS

# Words that name a group of people by identity: sexual orientation and gender, race and
# origin, religion, disability, age. They carry no weight in any n-gram feature (see
# :func:`moderation.features.text.word_ngrams`): public data mentions groups far more often in
# hateful comments than in others, and a model that learned that would flag the people a site's
# guidelines mean to protect for naming themselves ("As a gay man, I …"). Insults and slurs are
# not here; they keep their weight.
IDENTITY_WORDS = frozenset(
    """
    lesbian lesbians gay gays bisexual bisexuals transgender transgenders trans transsexual queer
    queers lgbt lgbtq lgbtqia homosexual homosexuals heterosexual heterosexuals nonbinary
    black blacks white whites african africans hispanic hispanics latino latinos latina latinas
    latinx mexican mexicans asian asians chinese japanese korean indian indians arab arabs
    christian christians christianity muslim muslims moslem moslems islam islamic jew jews
    jewish judaism buddhist buddhists catholic catholics protestant protestants sikh sikhs
    hindu hindus atheist atheists immigrant immigrants refugee refugees migrant migrants
    woman women female females girl girls man men male males boy boys
    deaf blind disabled elderly
    """.split()
)
