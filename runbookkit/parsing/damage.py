"""Find and repair text that was UTF-8 mis-decoded as Windows-1252 (mojibake).

A cheap signature scan finds suspect lines without importing ftfy; only when one is found is
ftfy loaded to repair it. Lines are repaired one at a time, so line numbers never move.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from runbookkit.model import Damage

# What Windows-1252 makes of the bytes 0x80-0xBF, the continuation bytes of UTF-8.
_CONTINUATION = "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ\u00a0-\u00bf"
# A UTF-8 lead byte (0xC2-0xF4) read as Windows-1252, then a continuation byte.
SIGNATURE = re.compile(f"[\u00c2-\u00f4][{_CONTINUATION}]")
# A whole run of such characters, for stripping what ftfy could not restore from titles.
_RUN = re.compile(
    f"[\u00c2-\u00f4{_CONTINUATION}]*{SIGNATURE.pattern}[\u00c2-\u00f4{_CONTINUATION}]*"
)
# ftfy steps that guess bytes rather than decode them.
_GUESSES = frozenset({"restore_byte_a0", "replace_lossy_sequences"})


@cache
def _fixer() -> tuple[Any, Any]:
    import ftfy

    # Only undo the encoding damage: quotes, ligatures and widths stay as the author wrote them.
    config = ftfy.TextFixerConfig(
        unescape_html=False,
        uncurl_quotes=False,
        fix_latin_ligatures=False,
        fix_character_width=False,
        fix_line_breaks=False,
        normalization=None,
        explain=True,
    )
    return ftfy.fix_and_explain, config


def has_damage(text: str) -> bool:
    """Whether ``text`` shows the signature of mojibake."""
    return SIGNATURE.search(text) is not None


def repair_line(line: str) -> str:
    """Repair one line with ftfy (what it can; lost bytes stay lost)."""
    return restore(line)[0]


def restore(line: str) -> tuple[str, bool]:
    """Repair one line with ftfy; return the text and whether it is only partly restored.

    A repair is partial when mojibake remains, or when ftfy had to guess a lost byte (it reads
    a space as the byte 0xA0, which turned the seed's ``🔍 Diagnosis`` into ``🔠Diagnosis``).
    """
    fix_and_explain, config = _fixer()
    fixed = fix_and_explain(line, config=config)
    guessed = any(step[1] in _GUESSES for step in fixed.explanation or [])
    return str(fixed.text), guessed or has_damage(fixed.text)


def repair(lines: list[str]) -> tuple[list[str], list[Damage]]:
    """Repair every damaged line and report each one.

    Args:
        lines: the document's lines, without line endings.

    Returns:
        The repaired lines (same count) and one :class:`Damage` per damaged line.
    """
    out = list(lines)
    damage: list[Damage] = []
    for index, line in enumerate(lines):
        if not has_damage(line):
            continue
        fixed, lossy = restore(line)
        out[index] = fixed
        damage.append(Damage(line=index + 1, text=line, repaired=fixed, lossy=lossy))
    return out, damage


def strip_damage(text: str) -> str:
    """Remove runs of mojibake that could not be repaired (for ids and keywords)."""
    return _RUN.sub(" ", text)
