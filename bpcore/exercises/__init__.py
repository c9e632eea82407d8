"""The book's self-check exercises: the machinery in :mod:`.core`, and one module per chapter.

A chapter module ``chNN_topic`` holds that chapter's exercises ``q1``, ``q2``, ... Each exercise is
one block there: its solution, its checker, then its declaration (an :class:`Exercise` with the
hint and the known-wrong answers). The task itself is stated in the chapter's Markdown, above the
stub cell, which imports the exercises by name:

    from bpcore.exercises.ch01_forward import q1, q2

Every checker compares the reader's answer with what ``bpcore`` computes on fresh seeded data
(never on numbers printed in the chapter), or runs ``bpcore`` with the answer. The derivative
exercises are also held against finite differences, so an answer that happens to match one case
still has to be a derivative. Chapter 7's answers are random (a shuffle, an initialisation), so
their checkers test properties instead.

The chapter modules are imported only when asked for: ``from bpcore.exercises import
assert_close`` (the assignments' tests) loads the machinery alone.
"""
from __future__ import annotations

import importlib
import pkgutil
import re

from .core import (CORRECT, INCORRECT, NOT_ATTEMPTED, Box, Exercise, Feedback, Incorrect,
                   NotAttempted, as_numbers, assert_close, call, compare, incorrect_if)

__all__ = ["CORRECT", "INCORRECT", "NOT_ATTEMPTED", "Box", "Exercise", "Feedback", "Incorrect",
           "NotAttempted", "all_exercises", "as_numbers", "assert_close", "call", "chapter",
           "chapters", "compare", "incorrect_if"]


def chapters() -> dict[int, str]:
    """The chapter modules, by chapter number: ``{1: "bpcore.exercises.ch01_forward", ...}``."""
    found = {}
    for module in pkgutil.iter_modules(__path__):
        number = re.fullmatch(r"ch(\d\d)_\w+", module.name)
        if number:
            found[int(number.group(1))] = f"{__name__}.{module.name}"
    return dict(sorted(found.items()))


def chapter(number: int) -> tuple[Exercise, ...]:
    """The exercises of chapter ``number``, in order: its module's ``q1``, ``q2``, ..."""
    modules = chapters()
    if number not in modules:
        raise ValueError(f"number: expected a chapter with exercises, one of "
                         f"{sorted(modules)}, got {number!r}")
    module = importlib.import_module(modules[number])
    found, k = [], 1
    while isinstance(getattr(module, f"q{k}", None), Exercise):
        found.append(getattr(module, f"q{k}"))
        k += 1
    return tuple(found)


def all_exercises() -> list[Exercise]:
    """Every exercise of the book, chapter by chapter."""
    return [q for n in chapters() for q in chapter(n)]
