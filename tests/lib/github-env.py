#!/usr/bin/env python3
"""Read a $GITHUB_ENV file as the GitHub Actions runner does, for the tests.

Usage: github-env.py FILE

Prints the variables the runner would set, as one JSON object with sorted
keys.  The syntax, after the runner's FileCommandManager:

    NAME=VALUE              one line (the first '=' splits)
    NAME<<DELIMITER         a multi-line value: every following line up to
    ...                     the first line that is exactly DELIMITER; the
    DELIMITER               line ends between value lines are kept

Lines end in LF or CR LF; empty lines are skipped; a later assignment of a
name replaces an earlier one.  Errors (exit 1, one line on stderr): a line
that is neither form, an empty name or delimiter, and a block whose
delimiter never comes (the runner's "Matching delimiter not found" -- which
is also what a value holding its own delimiter line turns into, or garbage
after it).
"""

import json
import sys


def lines_of(text):
    """Yield (line, newline) pairs like the runner's ReadLine."""
    i = 0
    while i < len(text):
        lf = text.find("\n", i)
        if lf < 0:
            yield text[i:], ""
            return
        if lf > i and text[lf - 1] == "\r":
            yield text[i:lf - 1], "\r\n"
        else:
            yield text[i:lf], "\n"
        i = lf + 1


def parse(text):
    env = {}
    it = lines_of(text)
    lineno = 0
    for line, _ in it:
        lineno += 1
        if line == "":
            continue
        eq = line.find("=")
        hd = line.find("<<")
        if eq >= 0 and (hd < 0 or eq < hd):
            name, value = line.split("=", 1)
            if not name:
                raise ValueError("line %d: invalid format (empty name)" % lineno)
        elif hd >= 0 and (eq < 0 or hd < eq):
            name, delim = line.split("<<", 1)
            if not name or not delim:
                raise ValueError("line %d: invalid format (empty name or delimiter)" % lineno)
            start = lineno
            parts = []
            for vline, nl in it:
                lineno += 1
                if vline == delim:
                    break
                parts.append((vline, nl))
            else:
                raise ValueError("line %d: matching delimiter %r not found" % (start, delim))
            value = "".join(v + nl for v, nl in parts)
            if parts:
                value = value[: len(value) - len(parts[-1][1])]
        else:
            raise ValueError("line %d: invalid format %r" % (lineno, line))
        env[name] = value
    return env


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: github-env.py FILE\n")
        sys.exit(2)
    with open(sys.argv[1], "rb") as f:
        text = f.read().decode("utf-8", "surrogateescape")
    try:
        env = parse(text)
    except ValueError as e:
        sys.stderr.write("github-env.py: %s: %s\n" % (sys.argv[1], e))
        sys.exit(1)
    sys.stdout.write(json.dumps(env, sort_keys=True, ensure_ascii=True) + "\n")


if __name__ == "__main__":
    main()
