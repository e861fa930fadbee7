#!/usr/bin/env python3
"""SQL lives in src/state/ only: checks that no other folder of src/ holds any.

Usage: tools/check-sql.py [SOURCE_ROOT]     (default: this script's tree)

src/state/ owns SQLite: every statement is there, behind typed functions
returning rows, so that the schema and its queries change in one place. Outside
it, in every .c and .h of src/, the check fails on

  * a string literal holding an SQL keyword as a whole upper-case word (SELECT,
    INSERT, UPDATE, DELETE, CREATE, DROP, ALTER, PRAGMA, BEGIN, COMMIT,
    ROLLBACK, SAVEPOINT): the statements cordon writes are upper case;
  * SQLite's API in code: any identifier starting with sqlite3 or SQLITE_
    (sqlite3_prepare_v2, sqlite3_stmt, SQLITE_OK, #include <sqlite3.h>).

Comments are not looked at ("SQLite rolls the state back" is prose), nor is
text outside literals ("DELETE" in an enum name cannot be a statement). A
keyword that must appear in a literal for another reason goes in ALLOWED, with
the reason. Run by `meson test --suite unit` (tests/meson.build).
"""
import os
import re
import sys

OWNER = "state"
KEYWORDS = re.compile(
    r"(?<![A-Za-z0-9_-])(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|PRAGMA|BEGIN|COMMIT|"
    r"ROLLBACK|SAVEPOINT)(?![A-Za-z0-9_-])")
SQLITE_API = re.compile(r"\b(sqlite3\w*|SQLITE_\w+)")
# (path relative to src/, literal text): literals that are not SQL
ALLOWED = set()


def split(text):
    """The code with comments and literals blanked (newlines kept), and the
    string literals as (line, text)."""
    code, literals = [], []
    i, n, line = 0, len(text), 1
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            code.append("\n" * text.count("\n", i, j))
            line += text.count("\n", i, j)
            i = j
        elif c in "\"'":
            j, buf = i + 1, []
            while j < n and text[j] != c:
                if text[j] == "\\" and j + 1 < n:
                    buf.append(text[j:j + 2])
                    j += 2
                    continue
                if text[j] == "\n":  # unterminated: stop at the line's end
                    break
                buf.append(text[j])
                j += 1
            if c == '"':
                literals.append((line, "".join(buf)))
            code.append(" ")
            i = j + 1
        else:
            if c == "\n":
                line += 1
            code.append(c)
            i += 1
    return "".join(code), literals


def check(root):
    src = os.path.join(root, "src")
    problems = []
    for folder in sorted(os.listdir(src)):
        d = os.path.join(src, folder)
        if folder == OWNER or not os.path.isdir(d):
            continue
        for dirpath, _, names in sorted(os.walk(d)):
            for name in sorted(names):
                if not name.endswith((".c", ".h")):
                    continue
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, src)
                with open(path, encoding="utf-8", errors="replace") as f:
                    code, literals = split(f.read())
                for no, text in enumerate(code.split("\n"), 1):
                    m = SQLITE_API.search(text)
                    if m:
                        problems.append(f"src/{rel}:{no}: uses SQLite ({m.group(1)})")
                for no, text in literals:
                    m = KEYWORDS.search(text)
                    if m and (rel, text) not in ALLOWED:
                        problems.append(f"src/{rel}:{no}: SQL in a string literal "
                                        f"({m.group(1)}): \"{text[:60]}\"")
    return problems


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(
        os.path.dirname(os.path.abspath(__file__)))
    problems = check(root)
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        print(f"check-sql: {len(problems)} problem(s): SQL and SQLite belong in src/{OWNER}/",
              file=sys.stderr)
        return 1
    print(f"check-sql: no SQL outside src/{OWNER}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
