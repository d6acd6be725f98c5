#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""old-or-new.py OLD NEW CUR: after an interrupted or failed write, every entry of the tree CUR
(a regular file's bytes, a symlink's target, or its absence) must equal the same entry in OLD or
in NEW. Temp files of an interrupted atomic write (".#NAME.XXXXXX", "NAME.XXXXXX") are not
entries: they are counted and reported on stdout as "tmp N". Exit 1 and one line per mixed
entry on stderr otherwise. --strict-tmp: leftover temp files are an error too.
--json-ignore=KEY: in *.json files that parse, KEY's values are compared as equal (values made
at random by the program, e.g. a backstore's "wwn")."""
import json
import os
import re
import sys

SUFFIX = re.compile(r'\.[A-Za-z0-9]{6}$')


def is_tmp(name, names):
    """libiscsi-util's ".#NAME.XXXXXX", or "NAME.XXXXXX" (mkstemp) beside NAME."""
    return name.startswith('.#') or (bool(SUFFIX.search(name)) and name[:-7] in names)


IGNORE = [a.split('=', 1)[1] for a in sys.argv if a.startswith('--json-ignore=')]


def masked(o):
    if isinstance(o, dict):
        return {k: ('*' if k in IGNORE else masked(v)) for k, v in o.items()}
    if isinstance(o, list):
        return [masked(v) for v in o]
    return o


def content(path, data):
    if IGNORE and path.endswith('.json'):
        try:
            return json.dumps(masked(json.loads(data)), sort_keys=True).encode()
        except ValueError:
            pass
    return data


def scan(root):
    entries, tmps = {}, 0
    for d, dirs, files in os.walk(root):
        names = set(dirs) | set(files)
        for n in files + [x for x in dirs if os.path.islink(os.path.join(d, x))]:
            p = os.path.join(d, n)
            rel = os.path.relpath(p, root)
            if rel.endswith('.lock'):
                continue
            if is_tmp(n, names):
                tmps += 1
                continue
            if os.path.islink(p):
                entries[rel] = ('link', os.readlink(p))
            else:
                with open(p, 'rb') as f:
                    entries[rel] = ('file', content(p, f.read()))
    return entries, tmps


def main():
    args = [a for a in sys.argv[1:] if not a.startswith('--')]
    strict = '--strict-tmp' in sys.argv
    old, _ = scan(args[0])
    new, _ = scan(args[1])
    cur, tmps = scan(args[2])
    bad = 0
    for rel in sorted(set(old) | set(new) | set(cur)):
        c = cur.get(rel)
        if c != old.get(rel) and c != new.get(rel):
            what = 'absent' if c is None else ('%d bytes' % len(c[1]) if c[0] == 'file' else 'link ' + c[1])
            print('mixed: %s is %s, neither old nor new' % (rel, what), file=sys.stderr)
            bad += 1
    print('tmp %d' % tmps)
    if strict and tmps:
        print('%d temp files left' % tmps, file=sys.stderr)
        bad += 1
    sys.exit(1 if bad else 0)


main()
