"""A test run in a forked copy of the test process, which holds only the thread that forked it.

runbookkit forks its second process only where no other thread runs, and a pytest-xdist worker
keeps an I/O thread: a test of that fork runs its body in such a copy, and its failure (the
traceback, sent back through a pipe) fails the test here.
"""

from __future__ import annotations

import functools
import os
import traceback
from collections.abc import Callable
from typing import ParamSpec

import pytest

P = ParamSpec("P")


def alone(test: Callable[P, None]) -> Callable[P, None]:
    @functools.wraps(test)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the copy: report, then leave without running the test process's exits
            os.close(read)
            status = 0
            try:
                test(*args, **kwargs)
            except BaseException:
                os.write(write, traceback.format_exc().encode())
                status = 1
            finally:
                os._exit(status)
        os.close(write)
        with os.fdopen(read, "rb") as pipe:
            failure = pipe.read().decode()
        _, status = os.waitpid(pid, 0)
        if failure or status:
            pytest.fail(f"in the forked copy:\n{failure or f'exit status {status}'}", pytrace=False)

    return run
