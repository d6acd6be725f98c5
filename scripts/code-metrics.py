#!/usr/bin/env python3
"""Structure metrics the layering work is judged by (issue 9's "done when"):
file-level call cycles per folder (from the built objects' symbol tables), functions longer
than a limit (column-0 braces, systemd style), and atomic-file writers (rename() callers).
Usage: scripts/code-metrics.py BUILD_DIR [--limit 80]"""
import os, re, subprocess, sys, collections

def objects(build):
    for root, _, files in os.walk(build):
        for f in files:
            if f.endswith('.c.o') and '.p' in root:
                yield os.path.join(root, f)

def src_of(obj):
    # meson names objects <target>.p/<path with / -> _>.c.o; keep the source basename
    return re.sub(r'\.o$', '', os.path.basename(obj))

def call_graph(build, folder_key):
    defs, uses = {}, collections.defaultdict(set)
    for o in objects(build):
        if folder_key not in o or 'test' in os.path.basename(os.path.dirname(o)) or 'fuzz' in o:
            continue
        out = subprocess.run(['nm', o], capture_output=True, text=True).stdout
        name = src_of(o)
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1] in 'TDBR':
                defs.setdefault(parts[2], name)
            elif len(parts) == 2 and parts[0] == 'U':
                uses[name].add(parts[1])
    g = collections.defaultdict(set)
    for f, syms in uses.items():
        for s in syms:
            if s in defs and defs[s] != f:
                g[f].add(defs[s])
    return g

def sccs(g):
    index, low, stack, on, out, i = {}, {}, [], set(), [], [0]
    def visit(v):
        index[v] = low[v] = i[0]; i[0] += 1; stack.append(v); on.add(v)
        for w in g.get(v, ()):
            if w not in index:
                visit(w); low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop(); on.discard(w); comp.append(w)
                if w == v: break
            if len(comp) > 1: out.append(sorted(comp))
    for v in list(g):
        if v not in index: visit(v)
    return out

def long_functions(src_dirs, limit):
    res = []
    for d in src_dirs:
        for root, _, files in os.walk(d):
            for f in files:
                if not f.endswith('.c') or '/tests/' in root + '/': continue
                p = os.path.join(root, f); lines = open(p, errors='replace').read().split('\n')
                start = name = None
                for n, l in enumerate(lines):
                    if start is None and re.match(r'^[A-Za-z_].*\)\s*\{\s*$', l) and not l.startswith(('struct', 'typedef', 'enum', 'union')) or (start is None and l == '{'):
                        m = re.search(r'(\w+)\s*\(', l if l != '{' else lines[n - 1])
                        start, name = n, m.group(1) if m else '?'
                    elif start is not None and l == '}':
                        if n - start + 1 > limit: res.append((n - start + 1, p, name))
                        start = None
    return sorted(res, reverse=True)

if __name__ == '__main__':
    build = sys.argv[1]; limit = int(sys.argv[3]) if len(sys.argv) > 3 else 80
    for key in ['iscsid', 'target-daemon', 'iscsiadm']:
        print(f'{key}: file-level call cycles: {sccs(call_graph(build, key)) or "none"}')
    dirs = [d for d in os.listdir('.') if os.path.isdir(d) and not d.startswith(('.', 'build', 'tests', 'fuzz'))]
    lf = long_functions(dirs, limit)
    print(f'functions over {limit} lines (outside tests/fuzz): {len(lf)}')
    for n, p, name in lf: print(f'  {n:4d} {p} {name}')
    w = subprocess.run(['grep', '-rlE', r'\brename(at)?\(', '--include=*.c'] + dirs, capture_output=True, text=True).stdout.split()
    print(f'files that rename() a temp file over a target: {len(w)}: {" ".join(sorted(w))}')
