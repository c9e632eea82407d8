"""The messages between the grader and the sandboxed runner: plain data only, as JSON lines.

The runner (:mod:`grader.runner`) sends a submission's answers back as plain data only:
``None``, bools, numbers, short strings, lists, tuples, string-keyed dicts and numeric numpy
arrays (as dtype, shape and base64 bytes). Never a pickle, never an object: whatever the
submission returns, the grader rebuilds fresh plain values with its own numpy and compares them
with the reference in its own process.

One JSON message per line (grader -> runner, then runner -> grader):

    {"op": "run", "cells": [source, ...]}     ->  {"op": "ran", "errors": [[cell, "Type: msg"], ...]}
    {"op": "lookup", "names": [...]}           ->  {"op": "names", "names": {name: kind or value}}
    {"op": "call", "name": n, "args": [...]}   ->  {"op": "value", "value": v} or {"op": "error", ...}

This file runs on both sides: in the grader, and copied into the sandbox beside the runner, so
both agree. It imports only the standard library and numpy.
"""
from __future__ import annotations

import base64
import json
import math

#: Largest message either side accepts (bytes).
MAX_MESSAGE = 32 * 1024 * 1024
#: Longest string an answer may contain.
MAX_STRING = 10_000
#: Most lists and dicts, and most items (commas), in one message (the grader parses it).
MAX_CONTAINERS, MAX_ITEMS = 100_000, 1_000_000
_DTYPES = {"f": "<f8", "i": "<i8", "u": "<i8", "b": "|b1"}


class NotPlainData(TypeError):
    """An answer that is not numbers, arrays, strings or containers of them."""


def frame(message: dict) -> bytes:
    """One message as the bytes of its line on the channel.

    Takes a JSON-ready dict (already :func:`encode`-d where it holds answers); returns its
    JSON followed by a newline. Raises TypeError for anything JSON cannot write."""
    return json.dumps(message).encode() + b"\n"


def encode(value, depth: int = 0):
    """``value`` as JSON-ready plain data (see the module docstring).

    Takes any value; returns the same value built of JSON types only (arrays, tuples, dicts and
    non-finite floats as tagged dicts). Raises NotPlainData for anything else: other types,
    nesting deeper than 20, strings longer than ``MAX_STRING``, non-numeric arrays.

    Types are tested exactly (``type(x) is float``), so a subclass with a custom ``__eq__`` is
    refused rather than trusted; numpy arrays of any subclass are copied as their raw values."""
    import numpy as np
    if depth > 20:
        raise NotPlainData("the answer is nested more than 20 levels deep")
    t = type(value)
    if value is None or t is bool or t is int or t is str:
        if t is str and len(value) > MAX_STRING:
            raise NotPlainData(f"a string of {len(value)} characters (at most {MAX_STRING})")
        return value
    if t is float:
        return {"__float__": repr(value)} if not math.isfinite(value) else value
    if isinstance(value, (np.ndarray, np.generic)):
        arr = np.array(value, copy=True, subok=False)
        kind = arr.dtype.kind
        if kind not in _DTYPES:
            raise NotPlainData(f"a numpy array of dtype {arr.dtype} (expected numbers)")
        arr = np.ascontiguousarray(arr.astype(_DTYPES[kind]))
        return {"__array__": _DTYPES[kind], "shape": list(arr.shape),
                "data": base64.b64encode(arr.tobytes()).decode("ascii")}
    if t is list or t is tuple:
        items = [encode(v, depth + 1) for v in value]
        return items if t is list else {"__tuple__": items}
    if t is dict:
        if not all(type(k) is str for k in value):
            raise NotPlainData("a dict whose keys are not all strings")
        return {"__dict__": [[k, encode(v, depth + 1)] for k, v in value.items()]}
    raise NotPlainData(f"an object of type {t.__module__}.{t.__qualname__}, "
                       f"not numbers, arrays, strings, lists, tuples or dicts")


def decode(data, depth: int = 0):
    """The inverse of :func:`encode`.

    Takes what ``json.loads`` made of an encoded value; returns fresh Python values and plain
    float64/int64/bool arrays. Raises ValueError (or KeyError, TypeError for a malformed tag)
    for anything :func:`encode` does not make, before any large computation."""
    if depth > 22:
        raise ValueError("message nested too deeply")
    if data is None or type(data) in (bool, int, float, str):
        return data
    if type(data) is list:
        return [decode(v, depth + 1) for v in data]
    if type(data) is dict:
        if "__array__" in data:
            return _decode_array(data)
        if "__tuple__" in data:
            return tuple(decode(v, depth + 1) for v in data["__tuple__"])
        if "__dict__" in data:
            return {str(k): decode(v, depth + 1) for k, v in data["__dict__"]}
        if "__float__" in data:
            return float(data["__float__"])
    raise ValueError(f"not plain data: {type(data).__name__}")


def _decode_array(data: dict):
    """A fresh numpy array from its tagged dict; ValueError unless dtype, shape and bytes agree."""
    import numpy as np
    if type(data["__array__"]) is not str or data["__array__"] not in _DTYPES.values():
        raise ValueError("array dtype is not one of float64, int64, bool")
    dtype = np.dtype(data["__array__"])
    shape = data["shape"]
    if (type(shape) is not list or len(shape) > 32
            or not all(type(n) is int and 0 <= n <= MAX_MESSAGE for n in shape)):
        raise ValueError("array shape is not a short list of sizes")
    raw = base64.b64decode(data["data"], validate=True)
    size = 1
    for n in shape:                   # stop early: never multiply huge sizes out
        size *= n
        if size > MAX_MESSAGE:
            raise ValueError("array shape is larger than a message can hold")
    if len(raw) != dtype.itemsize * size:
        raise ValueError("array data do not match its shape")
    return np.frombuffer(raw, dtype=dtype).reshape(tuple(shape)).copy()
