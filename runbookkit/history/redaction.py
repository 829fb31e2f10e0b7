"""Masking secrets in records before they are stored or printed.

The shapes and the masking are :func:`runbookkit.secrets.redact`'s; this module only applies
it to every field of a record that may hold a secret.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from runbookkit.history.records import TAIL_BYTES, RunRecord, StepRecord
from runbookkit.secrets import MASK, redact


class Redactor:
    """Masks the given secret values and every common secret shape."""

    def __init__(self, values: Iterable[str] = ()) -> None:
        self.values = tuple(sorted({value for value in values if value}))

    def text(self, text: str) -> str:
        """``text`` with every secret masked, including one cut short at the start of a tail."""
        return _mask_cut_secret(redact(text, self.values), self.values)

    def optional(self, text: str | None) -> str | None:
        """:meth:`text` for a field that may be empty."""
        return None if text is None else self.text(text)

    def step(self, step: StepRecord) -> StepRecord:
        """A copy of ``step`` with its texts masked."""
        return replace(
            step,
            title=self.text(step.title),
            target=self.text(step.target),
            commands=[self.text(command) for command in step.commands],
            expected=self.optional(step.expected),
            stdout=self.text(step.stdout),
            stderr=self.text(step.stderr),
            error=self.optional(step.error),
        )

    def run(self, run: RunRecord) -> RunRecord:
        """A copy of ``run`` (and its steps) with its texts masked."""
        return replace(
            run,
            operator=self.text(run.operator),
            targets=[self.text(target) for target in run.targets],
            error=self.optional(run.error),
            steps=[self.step(step) for step in run.steps],
        )


def _mask_cut_secret(text: str, values: tuple[str, ...]) -> str:
    """Mask the end of a secret at the start of an output tail whose cut fell inside it."""
    if not values or len(text.encode("utf-8")) < TAIL_BYTES - 4 * max(map(len, values)):
        return text
    for value in values:
        for size in range(len(value) - 1, 3, -1):
            if text.startswith(value[-size:]):
                return MASK + text[size:]
    return text
