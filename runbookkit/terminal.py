"""Text from outside (a command's output, a log line, a record) made safe for a terminal.

Output a step prints, or a log line ``match`` reads, may hold control and escape sequences
(``ESC]52;…`` writes the operator's clipboard, ``ESC]0;…`` the window title, ``ESC[2J`` clears
the screen). :func:`visible` shows them as ``cat -v`` does (``^[]52;…``), so what reaches the
terminal is only the text runbookkit prints and the colours it adds itself. Newline and tab are
kept; a carriage return (``\\r\\n``, or a progress bar's lone ``\\r``) ends a line.
"""

from __future__ import annotations


def _caret(code: int) -> str:
    if code == 0x7F:
        return "^?"
    if code >= 0x80:  # C1 controls: 8-bit CSI, OSC… as cat -v shows them
        return "M-" + _caret(code - 0x80)
    return "^" + chr(code + 0x40)


_KEPT = {ord("\n"), ord("\t")}
_TABLE: dict[int, str] = {
    code: _caret(code) for code in (*range(0x20), *range(0x7F, 0xA0)) if code not in _KEPT
}
_TABLE[ord("\r")] = "\n"


def visible(text: str) -> str:
    """``text`` with every control character but newline and tab shown in caret notation.

    ``\\r\\n`` and a lone ``\\r`` become a newline. The result holds no control character
    besides newline and tab, so applying it twice changes nothing.
    """
    if text.isprintable():
        return text
    return text.replace("\r\n", "\n").translate(_TABLE)
