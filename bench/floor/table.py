#!/usr/bin/env python3
"""bench/floor/table.py JSON...: the tables of bench/floor-results.md from
hyperfine's JSON files (bench/floor.sh's rounds, each command's times pooled
over them; bench/floor.sh's names): each command's time and its
overhead over the bare exec in units of the bare exec's own time (issue 13's
measure: a warm launch at most 1.25, a cold one at most 2), then what each of
the floor's steps costs (the floor less the floor without it)."""
import json
import statistics
import sys

GOALS = {"warm": 1.25, "cold": 2.0}


def main(paths):
    by = {}
    for path in paths:
        with open(path) as f:
            for r in json.load(f)["results"]:
                by.setdefault(r["command"], []).extend(t * 1000 for t in r["times"])
    stats = {
        name: {"mean": statistics.mean(t), "median": statistics.median(t), "min": min(t)}
        for name, t in by.items()
    }
    bare = stats["bare exec"]

    def ratio(name, key):
        return (stats[name][key] - bare[key]) / bare[key]

    print("## Launch time of a static no-op, and the floor")
    print()
    print("Overhead: (command − bare exec) / bare exec, in units of the bare exec's own time.")
    print()
    print("| Command | Mean [ms] | Median [ms] | Min [ms] | overhead (mean) | overhead (median) |")
    print("|:---|---:|---:|---:|---:|---:|")
    for name, s in stats.items():
        if name == "bare exec":
            over = "–", "–"
        else:
            over = f"{ratio(name, 'mean'):.2f}", f"{ratio(name, 'median'):.2f}"
        print(f"| {name} | {s['mean']:.2f} | {s['median']:.2f} | {s['min']:.2f} | {over[0]} | {over[1]} |")
    print()
    print("## Against issue 13's goals")
    print()
    print("| | goal | floor (mean) | floor (median) | /snap/bin entry (mean) | /snap/bin entry (median) |")
    print("|:---|---:|---:|---:|---:|---:|")
    for kind, floor in (("warm", "floor (warm)"), ("cold", "floor (cold, lower bound)")):
        entry = f"/snap/bin entry ({kind})"
        print(
            f"| {kind}: overhead / bare exec | ≤ {GOALS[kind]:.2f} | {ratio(floor, 'mean'):.2f} | "
            f"{ratio(floor, 'median'):.2f} | {ratio(entry, 'mean'):.2f} | {ratio(entry, 'median'):.2f} |"
        )
    print()
    print("## What each step of the floor costs")
    print()
    print("The floor less the floor without the step (a negative share is noise, or a step")
    print("whose absence makes another dearer: without joining the view, the opens and the")
    print("namespace copy work on the host's larger mount tree).")
    print()
    print("| step | mean [ms] | median [ms] | in bare execs (median) |")
    print("|:---|---:|---:|---:|")
    full = stats["floor (warm)"]
    for name in stats:
        if not name.startswith("floor without "):
            continue
        d_mean = full["mean"] - stats[name]["mean"]
        d_med = full["median"] - stats[name]["median"]
        step = name[len("floor without "):]
        if step == "any step":
            step = "all steps together"
        print(f"| {step} | {d_mean:+.2f} | {d_med:+.2f} | {d_med / bare['median']:.2f} |")
    print()
    exec_alone = ratio("a second exec alone", "median")
    steps = (full["median"] - stats["floor without any step"]["median"]) / bare["median"]
    print(
        f"A second exec alone costs {exec_alone:.2f} bare execs (median): a warm launch "
        f"within {GOALS['warm']:.2f} would leave {GOALS['warm'] - exec_alone:.2f} of them "
        f"for the policy read and every step of the sandbox, which take "
        f"{ratio('floor (warm)', 'median') - exec_alone:.2f} here (the steps alone "
        f"{steps:.2f}). The checks the launcher makes on top of the floor cost "
        f"{stats['/snap/bin entry (warm)']['median'] - full['median']:+.2f} ms (median)."
    )


if __name__ == "__main__":
    main(sys.argv[1:])
