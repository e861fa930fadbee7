#!/usr/bin/env python3
"""The include graph of src/: checks that cordon's folders are its layers.

Usage: tools/layers.py [--dot]     (run from the source tree's top)

A module is a folder's x.c with its x.h (or a lone header). An edge goes from
a module to every module whose header it includes ("x.h"; <system> headers
and the generated config.h are not modules). The check fails when

  * a module includes one from a folder above its own (the order is LAYERS:
    each folder may include its own and those before it; cli, confine and
    snapctl are the front ends, confine may include base, policy and runtime
    only, snapctl base only);
  * the graph has a cycle (listed, module by module).

--dot prints the graph for graphviz (`tools/layers.py --dot | dot -Tsvg`)
instead of checking it.
"""
import os
import re
import sys

LAYERS = ["base", "policy", "runtime", "manifest", "interfaces", "config", "state",
          "compiler", "store", "cli"]
# what each front end may include (the launcher links base, policy, runtime;
# snapctl, which every sandbox runs, and the bus proxy's helper
# (cordon-dbus-proxy) base alone)
ALLOWED = {"confine": {"base", "policy", "runtime", "confine"},
           "snapctl": {"base", "snapctl"},
           "busproxy": {"base", "busproxy"}}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def allowed(folder):
    if folder in ALLOWED:
        return ALLOWED[folder]
    return set(LAYERS[:LAYERS.index(folder) + 1])


def modules(src):
    """{module: folder}, {module: set of included header names}."""
    where, includes = {}, {}
    for folder in sorted(os.listdir(src)):
        d = os.path.join(src, folder)
        if not os.path.isdir(d):
            continue
        if folder not in LAYERS and folder not in ALLOWED:
            raise SystemExit(f"src/{folder}: not a layer (tools/layers.py LAYERS)")
        for name in sorted(os.listdir(d)):
            stem, ext = os.path.splitext(name)
            if ext not in (".c", ".h"):
                continue
            mod = f"{folder}/{stem}"
            where[mod] = folder
            with open(os.path.join(d, name)) as f:
                includes.setdefault(mod, set()).update(INCLUDE.findall(f.read()))
    return where, includes


def graph(src):
    where, includes = modules(src)
    by_header = {}
    for mod in where:
        header = os.path.basename(mod) + ".h"
        if os.path.exists(os.path.join(src, mod + ".h")):
            if header in by_header:
                raise SystemExit(f"{header} exists in {by_header[header]} and {mod}")
            by_header[header] = mod
    edges = {m: set() for m in where}
    for mod, incs in includes.items():
        for h in incs:
            if h == "config.h":
                continue
            target = by_header.get(h)
            if target is None:
                raise SystemExit(f"src/{mod}: includes \"{h}\", which no folder of src/ has")
            if target != mod:
                edges[mod].add(target)
    return where, edges


def cycles(edges):
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def main():
    src = os.path.join(os.getcwd(), "src")
    where, edges = graph(src)
    if sys.argv[1:] == ["--dot"]:
        print("digraph cordon {\n  rankdir=BT;")
        for folder in LAYERS + sorted(ALLOWED):
            mods = [m for m in sorted(where) if where[m] == folder]
            if mods:
                print(f'  subgraph "cluster_{folder}" {{ label="{folder}";')
                for m in mods:
                    print(f'    "{m}";')
                print("  }")
        for m in sorted(edges):
            for t in sorted(edges[m]):
                print(f'  "{m}" -> "{t}";')
        print("}")
        return 0
    problems = []
    for m in sorted(edges):
        for t in sorted(edges[m]):
            if where[t] not in allowed(where[m]):
                problems.append(f"src/{m} includes src/{t}: {where[t]} is above {where[m]}")
    for c in cycles(edges):
        problems.append("cycle: " + " <-> ".join(c))
    for p in problems:
        print(p, file=sys.stderr)
    if not problems:
        n = sum(len(e) for e in edges.values())
        print(f"layers: {len(edges)} modules, {n} includes, no cycle, none upwards")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
