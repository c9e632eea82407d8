"""What runs inside the sandbox: one submission's cells, and its answers sent back as plain data.

The sandbox executes this file as a script (``python -I -B /run/grader/runner.py``), with
:mod:`grader.protocol` copied beside it, and nothing of the grader's host files else. It imports
only the standard library, numpy and ``protocol.py``, never a course package: a submission may
not be allowed to see one. It talks to the grader over its original stdout and stdin, one JSON
message per line (see :mod:`grader.protocol` for the messages).

The submission's own prints go to /dev/null; it can still find and write to the protocol
channel, but all it can send that way is more plain data, which is judged like any answer.
"""
from __future__ import annotations

import json
import os
import sys

if __name__ == "__main__":          # in the sandbox: -I leaves this file's folder off sys.path
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from protocol import decode, encode, frame
    del sys.path[0], sys.modules["protocol"]     # the submission's code sees neither
else:
    from .protocol import decode, encode, frame


def strip_magics(source: str) -> str:
    """Notebook cells may hold IPython magics (``%matplotlib inline``, ``!pip``); plain Python
    cannot run them, so those lines become comments.

    Takes a cell's source; returns it with every magic line commented out. Raises nothing."""
    return "\n".join("# " + line if line.lstrip().startswith(("%", "!")) else line
                     for line in source.splitlines())


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]


def run_cells(namespace: dict, cells: list) -> dict:
    """Run every cell in ``namespace``, each even if an earlier one failed.

    Takes the submission's namespace and the cells' sources; returns the "ran" reply, with
    [cell index, "Type: message"] for each cell that raised. Raises nothing: SystemExit and
    KeyboardInterrupt from a cell are caught and reported too."""
    errors = []
    for i, source in enumerate(cells):
        try:
            exec(compile(strip_magics(source), f"<cell {i}>", "exec"), namespace)
        except BaseException as e:          # SystemExit, KeyboardInterrupt included
            errors.append([i, _describe(e)])
    return {"op": "ran", "errors": errors}


def look_up(namespace: dict, names: list) -> dict:
    """What each name is in the submission: missing, a function, a value or unsupported.

    Takes the namespace and the names a test reads; returns the "names" reply, a value as plain
    data. Raises nothing: a value that cannot be encoded is reported as unsupported."""
    found = {}
    for name in names:
        if name not in namespace:
            found[name] = {"kind": "missing"}
        elif callable(namespace[name]):
            found[name] = {"kind": "function"}
        else:
            try:
                found[name] = {"kind": "value", "value": encode(namespace[name])}
            except BaseException as e:
                found[name] = {"kind": "unsupported", "why": _describe(e)}
    return {"op": "names", "names": found}


def call(namespace: dict, name: str, args) -> dict:
    """Call the submission's function ``name`` with the decoded ``args``.

    Returns the "value" reply with the result as plain data, or the "error" reply with
    "Type: message" when the call, the decoding or the encoding raised. Raises nothing."""
    try:
        return {"op": "value", "value": encode(namespace[name](*decode(args)))}
    except BaseException as e:
        return {"op": "error", "error": _describe(e)}


def main() -> None:
    """Serve the grader's requests on stdin/stdout until stdin closes.

    Keeps private copies of the channel, then sends everything the submission prints to
    /dev/null and gives it an empty stdin. Returns when the grader closes the channel."""
    channel_in = os.fdopen(os.dup(0), "rb")
    channel_out = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    sys.stdin = open(os.devnull)
    sys.stdout = sys.stderr = open(os.devnull, "w")

    namespace = {"__name__": "__main__", "__builtins__": __builtins__}
    for line in channel_in:
        request = json.loads(line)
        op = request.get("op")
        if op == "run":
            reply = run_cells(namespace, request["cells"])
        elif op == "lookup":
            reply = look_up(namespace, request["names"])
        elif op == "call":
            reply = call(namespace, request.get("name"), request.get("args"))
        else:
            reply = {"op": "error", "error": f"unknown request {op!r}"}
        channel_out.write(frame(reply))
        channel_out.flush()


if __name__ == "__main__":
    main()
