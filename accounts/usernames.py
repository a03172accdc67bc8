"""One rule for user names, on sign-up and in the admin: a name is Unicode-normalised (NFKC, as Django
stores it) and refused when it can be mistaken for a name already taken.

"Mistaken" is decided by a skeleton in the manner of Unicode TS #39 (section 4): each character is
replaced by the prototype it is confusable with (the Unicode confusables data, as shipped by the pinned
`confusable-homoglyphs` package), after case folding. "аdmin" with a Cyrillic а, "ADMIN", "Admin",
"admіn" (Ukrainian і), "adrnin" (r n for m) and "admin" all have the skeleton "admin"; a second one is
refused with a sentence. Case: names are case-insensitive for uniqueness (a name differing only in
case is taken), and log-in matches the name as it was registered.

Existing users are untouched: nothing here changes a stored name, and a legacy look-alike pair keeps
both accounts; only a new name, or a renamed one, is checked.

The check compares against every stored name's skeleton (one pass over the names, ~10 µs each): fine for
this site's thousands of accounts; an indexed skeleton column would be the next step at a million.
"""

from __future__ import annotations

import unicodedata
from functools import cache, lru_cache

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

# Bidirectional marks the data puts around right-to-left characters: not part of what is seen.
_MARKS = str.maketrans("", "", "\u200e\u200f")


@lru_cache(maxsize=1)
def _data():
    from confusable_homoglyphs import confusables

    return confusables.confusables_data


@cache
def _prototype(char: str) -> str:
    """The character (or short string) `char` is confusable with, per the confusables data: a
    character confusable with exactly one other maps to it; one with several is itself a prototype."""
    seen = {char}
    current = char
    for _ in range(4):  # follow source -> prototype; the data's chains are short
        entries = _data().get(current, [])
        if len(entries) != 1:
            return current
        target = entries[0]["c"].translate(_MARKS)
        back = [e["c"].translate(_MARKS) for e in _data().get(target, [])]
        if back == [current]:  # a pair confusable only with each other: the smaller stands for both
            return min(current, target)
        if target in seen:
            return current
        seen.add(target)
        current = target
    return current


def normalise(name: str) -> str:
    return unicodedata.normalize("NFKC", name)


def _skeleton(text: str) -> str:
    text = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFD", "".join(_prototype(c) for c in text))


def skeletons(name: str) -> set[str]:
    """What a name looks like, after NFKC: its prototypes case folded, and the case folding of its
    prototypes (so that "ADMIN" meets "admin" and the capital "I" of "Iogin" meets the "l" of "login")."""
    name = normalise(name)
    return {_skeleton(_skeleton(name.casefold()).casefold()), _skeleton(_skeleton(name).casefold())}


def lookalike_of(name: str, exclude_pk=None) -> str | None:
    """The stored name that `name` can be mistaken for, or None."""
    keys = skeletons(name)
    users = get_user_model().objects.all()
    if exclude_pk is not None:
        users = users.exclude(pk=exclude_pk)
    for existing in users.values_list("username", flat=True).iterator():
        if keys & skeletons(existing):
            return existing
    return None


def check_not_lookalike(name: str, exclude_pk=None) -> None:
    taken = lookalike_of(name, exclude_pk)
    if taken is not None:
        raise ValidationError(
            f"This user name can be mistaken for one already taken (“{taken}”): letters from other "
            "alphabets that look alike and differences of case count as the same. Please choose another.",
            code="lookalike_username",
        )
