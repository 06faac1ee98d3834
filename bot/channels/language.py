"""A cautious guess that a message is not in English, so the channel can say it speaks English.

No language model: the assistant only needs to know "clearly not English". A message is
foreign when most of its letters are not Latin (Arabic, Hebrew, Cyrillic, CJK, Devanagari…), or
when it is in Latin letters but uses several function words of Spanish, French, Portuguese,
German or Italian and hardly any English ones. Short or mixed messages count as English: Rasa
answers those, and a wrong "I only speak English" to an English speaker is the worse mistake.
"""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[^\W\d_]+")
_FOREIGN_WORDS = frozenset(
    # Spanish
    "el la los las del al que qué por para con una uno es está estoy tengo tiene puedo mi mis "
    "cuánto cuanto cuándo cuando cómo dónde porque pero muy hola gracias dolor cadera duele "
    "osteoporosis transitoria hueso usted ayuda señor señora también después y fiebre caí"
    # French
    " le les des est je une et pour avec combien dure mon ma mes vous nous pas sur dans très "
    "bonjour merci hanche douleur"
    # Portuguese
    " não você quanto tempo com meu minha dor quadril obrigado olá"
    # German
    " ich und der das ist nicht mit wie lange mein meine hallo danke schmerzen hüfte"
    # Italian
    " il che non sono quanto dura anca grazie ciao".split()
)
_ENGLISH_WORDS = frozenset(
    "the a an is are am was i my me you it what how when why can do does will hip pain and of "
    "to in on with have has for this that not".split()
)


def looks_foreign(text: str) -> bool:
    """True when ``text`` is clearly not English (see the module docstring)."""
    letters = [ch for ch in text if ch.isalpha()]
    if len(letters) < 2:
        return False  # emoji, digits or one letter: nothing to tell
    latin = sum(1 for ch in letters if unicodedata.name(ch, "").startswith("LATIN"))
    if latin * 2 < len(letters):
        return True
    words = _WORD.findall(text.lower())
    foreign = sum(1 for word in words if word in _FOREIGN_WORDS)
    english = sum(1 for word in words if word in _ENGLISH_WORDS)
    return foreign >= 2 and foreign > 2 * english
