"""The student side of :mod:`bpcore.grade`: runs one submission inside the sandbox.

This file is executed as a script inside bubblewrap (``python -I grade_runner.py``), with only
the standard library and numpy; it must not import bpcore (a submission may not be allowed to).
It talks to the grader over its original stdout and stdin, one JSON message per line, and sends
the reader's answers back as plain data only: ``None``, bools, numbers, short strings, lists,
tuples, string-keyed dicts and numeric numpy arrays (as dtype, shape and base64 bytes). Never a
pickle, never an object: whatever the submission returns, the grader rebuilds fresh plain values
with its own numpy and compares them with the reference in its own process.

Protocol (grader -> runner, then runner -> grader):

    {"op": "run", "cells": [source, ...]}     ->  {"op": "ran", "errors": [[cell, "Type: msg"], ...]}
    {"op": "lookup", "names": [...]}           ->  {"op": "names", "names": {name: kind or value}}
    {"op": "call", "name": n, "args": [...]}   ->  {"op": "value", "value": v} or {"op": "error", ...}

The submission's own prints go to /dev/null; it can still find and write to the protocol
channel, but all it can send that way is more plain data, which is judged like any answer.
:func:`encode` and :func:`decode` are also what the grader uses, so both sides agree.
"""
from __future__ import annotations

import base64
import json
import math
import os
import sys

#: Largest message either side accepts (bytes).
MAX_MESSAGE = 32 * 1024 * 1024
#: Longest string an answer may contain.
MAX_STRING = 10_000
_DTYPES = {"f": "<f8", "i": "<i8", "u": "<i8", "b": "|b1"}


class NotPlainData(TypeError):
    """An answer that is not numbers, arrays, strings or containers of them."""


def encode(value, depth: int = 0):
    """``value`` as JSON-ready plain data (see the module docstring); NotPlainData otherwise.

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
    """The inverse of :func:`encode`: fresh Python values and plain float64/int64/bool arrays."""
    import numpy as np
    if depth > 22:
        raise ValueError("message nested too deeply")
    if data is None or type(data) in (bool, int, float, str):
        return data
    if type(data) is list:
        return [decode(v, depth + 1) for v in data]
    if type(data) is dict:
        if "__array__" in data:
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
            shape = tuple(shape)
            return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
        if "__tuple__" in data:
            return tuple(decode(v, depth + 1) for v in data["__tuple__"])
        if "__dict__" in data:
            return {str(k): decode(v, depth + 1) for k, v in data["__dict__"]}
        if "__float__" in data:
            return float(data["__float__"])
    raise ValueError(f"not plain data: {type(data).__name__}")


def strip_magics(source: str) -> str:
    """Notebook cells may hold IPython magics (``%matplotlib inline``, ``!pip``); plain Python
    cannot run them, so those lines become comments."""
    return "\n".join("# " + line if line.lstrip().startswith(("%", "!")) else line
                     for line in source.splitlines())


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]


def main() -> None:
    # Keep private copies of the channel, then send everything the submission prints to
    # /dev/null and give it an empty stdin.
    channel_in = os.fdopen(os.dup(0), "rb")
    channel_out = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    sys.stdin = open(os.devnull)
    sys.stdout = sys.stderr = open(os.devnull, "w")

    def send(message: dict) -> None:
        channel_out.write(json.dumps(message).encode() + b"\n")
        channel_out.flush()

    namespace = {"__name__": "__main__", "__builtins__": __builtins__}
    for line in channel_in:
        request = json.loads(line)
        op = request.get("op")
        if op == "run":
            errors = []
            for i, source in enumerate(request["cells"]):
                try:
                    exec(compile(strip_magics(source), f"<cell {i}>", "exec"), namespace)
                except BaseException as e:          # SystemExit, KeyboardInterrupt included
                    errors.append([i, _describe(e)])
            send({"op": "ran", "errors": errors})
        elif op == "lookup":
            found = {}
            for name in request["names"]:
                if name not in namespace:
                    found[name] = {"kind": "missing"}
                elif callable(namespace[name]):
                    found[name] = {"kind": "function"}
                else:
                    try:
                        found[name] = {"kind": "value", "value": encode(namespace[name])}
                    except BaseException as e:
                        found[name] = {"kind": "unsupported", "why": _describe(e)}
            send({"op": "names", "names": found})
        elif op == "call":
            try:
                f = namespace[request["name"]]
                args = decode(request["args"])
                value = encode(f(*args))
                send({"op": "value", "value": value})
            except BaseException as e:
                send({"op": "error", "error": _describe(e)})
        else:
            send({"op": "error", "error": f"unknown request {op!r}"})


if __name__ == "__main__":
    main()
