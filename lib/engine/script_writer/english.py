"""The six JoggAI script styles in English, as templates over a product's facts.

Each style has its own shape and vocabulary: Top 3 reasons enumerates three reasons, Data leads with a
figure, Storytime follows a character to a turn, Don't Worry reassures, Discovery reveals, Light
marketing suggests. Every choice between wordings comes from the seeded `rng`, so one seed always
writes the same draft and another seed usually a different one.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

from lib.engine.script_writer.assembly import Line, Plan
from lib.engine.script_writer.product_facts import Feature, ProductFacts, capitalised, shortened

# (name, subject, object, possessive): the people Storytime tells about.
STORY_CHARACTERS: tuple[tuple[str, str, str, str], ...] = (
    ("Maya", "she", "her", "her"), ("Sam", "he", "him", "his"), ("Priya", "she", "her", "her"),
    ("Leo", "he", "him", "his"), ("Nina", "she", "her", "her"), ("Omar", "he", "him", "his"),
    ("Claire", "she", "her", "her"), ("Jonah", "he", "him", "his"),
)
GENERIC_REASONS = (
    "it makes the everyday a little easier",
    "it does the job without any fuss",
    "it is built to keep up with you",
)
# How long a reused phrase may be, and how many of them fit, by video length in seconds.
FEATURE_WORDS = {15: 9, 30: 14, 60: 22}
FEATURE_COUNT = {15: 2, 30: 3, 60: 5}
ORDINALS = ("one", "two", "three", "four", "five")


class Pen:
    """What every style needs: the product, the length, and seeded choices."""

    def __init__(self, facts: ProductFacts, seconds: int, rng: random.Random) -> None:
        self.facts = facts
        self.seconds = seconds
        self.rng = rng
        limit = FEATURE_WORDS[seconds]
        fitted = [shortened(feature, limit) for feature in facts.features]
        self.features: list[Feature] = [feature for feature in fitted if feature is not None]
        self.count = FEATURE_COUNT[seconds]

    def pick(self, options: Sequence[str]) -> str:
        """One of `options`, chosen by the seed."""
        return self.rng.choice(list(options))

    def shuffled(self, options: Sequence[str]) -> list[str]:
        """`options` in a seeded order (for fillers)."""
        items = list(options)
        self.rng.shuffle(items)
        return items

    def used(self, count: int | None = None) -> list[Feature]:
        """The first `count` features (the description's order: its authors lead with what matters)."""
        return self.features[: self.count if count is None else count]

    def clauses(self, count: int) -> list[str]:
        """`count` lower-case reasons: features first, then the audience, then generic ones."""
        clauses = [feature.as_clause() for feature in self.used(count)]
        if len(clauses) < count and self.facts.audience:
            clauses.append(f"it is made for {self.facts.audience}")
        clauses.extend(GENERIC_REASONS[: max(0, count - len(clauses))])
        return clauses[:count]


def top_three_reasons(pen: Pen) -> Plan:
    facts = pen.facts
    opening = [Line(pen.pick((f"Here are 3 reasons to choose {facts.name}.",
                              f"3 reasons {facts.name} deserves a place in your day.",
                              f"Why {facts.name}? Here are 3 reasons.")),
                    short=f"3 reasons to pick {facts.short_name}.")]
    reasons = pen.clauses(3)
    body = [Line(f"Reason {ORDINALS[index]}: {reason}.") for index, reason in enumerate(reasons)]
    extras = pen.used()[3:]
    for feature in extras:
        body.append(Line(f"And as a bonus, {feature.as_clause()}.", rank=2))
    if facts.audience:
        body.insert(1, Line(f"For {facts.audience}, that one counts.", rank=1))
    closing = [Line(pen.pick((f"That's 3 reasons, and one easy choice: {facts.short_name}.",
                              f"Three reasons, one choice: {facts.short_name}.",
                              f"Count them: three good reasons to pick {facts.short_name}.")),
                    short="Three reasons, one choice.")]
    fillers = pen.shuffled((
        "Each reason stands on its own.", "Put together, they add up fast.",
        "Any one of those would be reason enough.", "Line the reasons up and the choice gets simple.",
        "Those reasons are not small ones.", "Most products manage one of them at best.",
        "Keep those reasons in mind next time you compare.", "The list could go on, but three is plenty.",
        "Every reason comes straight from how it is made.", "That is the short list, and it is convincing.",
        "Reasons like these are why people switch and never look back.",
        "If you only remember one thing, remember that there are three good reasons.",
        "Ask anyone who has tried it and they will give you the same reasons.",
        "None of these reasons needs a sales pitch to make sense.",
    ))
    return Plan([opening, body, closing], fillers)


def data(pen: Pen) -> Plan:
    facts = pen.facts
    numbered = [feature for feature in pen.features if feature.has_number]
    facts_used = pen.used()
    if numbered:
        lead = numbered[0]
        facts_used = [lead] + [feature for feature in facts_used if feature != lead][: pen.count - 1]
        first = pen.pick(("Start with a number: ", "One figure first: ", "The number that matters: "))
        opening = [Line(first + (lead.as_sentence(facts.short_name) if lead.is_predicate
                                 else capitalised(lead.text) + "."))]
        rest = facts_used[1:]
    else:
        count = max(2, len(facts_used))
        opening = [Line(pen.pick((f"{facts.name}, by the numbers: {count} facts in {pen.seconds} seconds.",
                                  f"{count} facts about {facts.name}, in {pen.seconds} seconds.")))]
        rest = facts_used
    body = [Line(f"Fact {ORDINALS[index]}: {feature.as_clause()}.", rank=0 if index < 2 else 1)
            for index, feature in enumerate(rest)]
    if numbered:
        body.insert(0, Line(f"That product is {facts.name}.", rank=0))
    if facts.audience:
        body.append(Line(f"The group it was measured for: {facts.audience}.", rank=1))
    closing = [Line(pen.pick((f"The facts point one way: {facts.short_name}.",
                              f"Check the figures yourself: {facts.short_name}.",
                              f"The data speaks for {facts.short_name}.")))]
    fillers = pen.shuffled((
        "Numbers do not exaggerate.", "That is a measurable difference.", "Each figure is easy to check.",
        "Compare the data side by side and the gap is clear.", "Those are specifications, not slogans.",
        "The evidence is in the details.", "Run the comparison and the result holds.",
        "Facts like these are what a good decision rests on.", "Every figure here is on the spec sheet.",
        "Measured, not guessed.",
        "The figures come from how it is built and how it performs every day.",
        "Put those numbers next to any alternative and judge for yourself.",
        "Data like this makes the decision a lot less complicated than it looks.",
        "A claim is only as good as the number behind it, and these hold up.",
    ))
    return Plan([opening, body, closing], fillers)


def storytime(pen: Pen) -> Plan:
    facts = pen.facts
    name, subject, obj, possessive = pen.rng.choice(STORY_CHARACTERS)
    who = (f"Meet {name}, who could be any of the {facts.audience} out there." if facts.audience
           else f"Meet {name}, who is always on the move.")
    setback = pen.pick((
        f"One morning, {name} had had enough: nothing {subject} tried really worked.",
        f"Last month, {name} hit a wall: the old way just wasn't working anymore.",
        f"Every day, {name} ran into the same little problem, and it was wearing {obj} down.",
    ))
    turn = pen.pick((f"Then a friend handed {obj} {facts.name}.", f"That's when {name} found {facts.name}.",
                     f"Then, almost by accident, {name} tried {facts.name}."))
    short_who = f"Meet {name}, one of the {facts.audience}." if facts.audience else f"Meet {name}."
    opening = [Line(who, short=short_who), Line(setback, rank=1)]
    body = [Line(turn, short=f"Then {name} tried {facts.short_name}.")]
    for index, feature in enumerate(pen.used()):
        if index == 0:
            body.append(Line(f"{capitalised(feature.as_clause())}, and {name} noticed right away."))
        else:
            body.append(Line(pen.pick(("Better still, ", "On top of that, ", f"Soon {subject} saw that "))
                             + feature.as_clause() + ".", rank=index))
    closing = [Line(pen.pick((f"Now {name} wouldn't go back.", f"Now {name} doesn't start a day without it.",
                              f"These days, {name} tells everyone about it."))),
               Line(pen.pick((f"{name}'s story could be yours.", "Your story could start the same way.")),
                    rank=2)]
    fillers = pen.shuffled((
        f"{capitalised(subject)} smiled for the first time that week.", "The difference was obvious.",
        f"It felt like {possessive} day finally made sense.", f"{name} could hardly believe it.",
        f"{capitalised(possessive)} friends noticed the change before {subject} said a word.",
        "Small moments like that add up.", f"By the weekend, {name} was hooked.",
        "It was the kind of change you only notice once it happens.",
        f"{name} kept wondering why {subject} hadn't tried it sooner.",
        f"At first {name} was not convinced, because {subject} had heard big promises before.",
        f"But after a few days, {name} realised this one was different.",
        f"{capitalised(subject)} even caught {possessive} neighbour asking where to get one.",
        "Sometimes the smallest change makes the biggest difference in a day.",
    ))
    return Plan([opening, body, closing], fillers)


def dont_worry(pen: Pen) -> Plan:
    facts = pen.facts
    opening = [Line(pen.pick(("Worried about getting it right? Don't worry.", "Don't worry, this one is easy.",
                              f"Feeling unsure? Don't worry, {facts.short_name} has you covered.")))]
    leads = pen.shuffled(("Relax: ", "No stress: ", "Rest easy: ", "Good news: "))
    body: list[Line] = []
    for index, feature in enumerate(pen.used()):
        if index == 0:
            body.append(Line(feature.as_sentence(facts.name)))
        else:
            body.append(Line(leads[(index - 1) % len(leads)] + feature.as_clause() + ".", rank=index))
    if not body:
        body.append(Line(f"{facts.name} takes the worry out of it."))
    if facts.audience:
        body.append(Line(f"It was made for {facts.audience}, so you're in good hands.", rank=1))
    closing = [Line(pen.pick((f"So relax, and let {facts.short_name} take care of it.",
                              f"Take a breath. {facts.short_name} has got this.",
                              f"Breathe easy: {facts.short_name} is on your side.")))]
    fillers = pen.shuffled((
        "No complicated setup.", "Nothing to figure out.", "You're in safe hands.",
        "There's no need to stress about it.", "It is simpler than you think.",
        "Whatever the day brings, you're covered.", "Mistakes are hard to make here.",
        "It just works, so you can stop worrying.", "Everything is taken care of.",
        "You can stop second-guessing now.",
        "If you have been burned by complicated products before, this is the opposite.",
        "Take it out, use it, and let it do the hard part for you.",
        "There is nothing here that you need to learn from a manual.",
        "Whatever worried you before, you can set that feeling aside now.",
    ))
    return Plan([opening, body, closing], fillers)


def discovery(pen: Pen) -> Plan:
    facts = pen.facts
    opening = [Line(pen.pick((f"Here's something most people never notice about {facts.name}.",
                              f"Did you know {facts.name} hides a few surprises?",
                              f"Take a closer look at {facts.name}, and you'll discover something.")))]
    leads = ("Look closer: ", "Turns out, ", "And here's the real surprise: ", "Dig a little deeper: ",
             "Then you spot it: ")
    body: list[Line] = []
    for index, feature in enumerate(pen.used()):
        noun = feature.noun_phrase
        text = (f"Then you find {noun}." if noun and index > 0
                else leads[index % len(leads)] + feature.as_clause() + ".")
        body.append(Line(text, rank=0 if index < 2 else index))
    if facts.audience:
        body.append(Line(f"No wonder it is catching on with {facts.audience}.", rank=1))
    closing = [Line(pen.pick(("Discover it for yourself.",
                              f"Go explore {facts.short_name}: there's more to find.",
                              f"Now you know the secret of {facts.short_name}.")))]
    fillers = pen.shuffled((
        "Most people walk right past that.", "It is easy to miss at first.", "Keep looking and there's more.",
        "The details reveal themselves slowly.", "That's the part nobody tells you about.",
        "Once you see it, you can't unsee it.", "It's a hidden detail worth knowing.",
        "Curious? There's another layer.", "Few people ever find that out.",
        "It rewards anyone who looks twice.",
        "The more time you spend with it, the more little details you uncover.",
        "It looks ordinary at first glance, and that is exactly the trick.",
        "What seems simple on the outside turns out to be cleverly thought through.",
        "Every time you use it, you discover one more thing it does well.",
    ))
    return Plan([opening, body, closing], fillers)


def light_marketing(pen: Pen) -> Plan:
    facts = pen.facts
    opening = [Line(pen.pick((f"If you're looking for something simple, {facts.name} might be worth a look.",
                              f"Just a quick note about {facts.name}.",
                              f"Here's a small suggestion: {facts.name}.")))]
    body: list[Line] = []
    for index, feature in enumerate(pen.used()):
        subject = "It" if index == 0 else pen.pick(("It also", "Plus, it"))
        body.append(Line(feature.as_sentence(subject) if feature.is_predicate
                         else f"{capitalised(feature.text)}.", rank=0 if index < 1 else index))
    if facts.audience:
        body.append(Line(f"It was made with {facts.audience} in mind.", rank=1))
    closing = [Line(pen.pick(("Have a look when you're ready.", "Worth a try, whenever it suits you.",
                              f"{facts.short_name} is there if you want it.")))]
    fillers = pen.shuffled((
        "No rush at all.", "It might be just what you need.", "Take your time with it.",
        "A small upgrade can go a long way.", "Nothing flashy, just something that works.",
        "Maybe it fits your routine, maybe not, but it's worth knowing about.",
        "Plenty of people are glad they gave it a chance.", "It's an easy one to try.",
        "If it sounds useful, keep it in mind.", "Simple things are often the best.",
        "There is no pressure to decide today, it will still be here tomorrow.",
        "Lots of people start with one and end up recommending it to friends.",
        "If it makes your day a little nicer, that is reason enough.",
        "Have a look, see what you think, and decide in your own time.",
    ))
    return Plan([opening, body, closing], fillers)


STYLE_WRITERS: dict[str, Callable[[Pen], Plan]] = {
    "Don't Worry": dont_worry,
    "Storytime": storytime,
    "Discovery": discovery,
    "Data": data,
    "Top 3 reasons": top_three_reasons,
    "Light marketing": light_marketing,
}
