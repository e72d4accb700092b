#!/usr/bin/env python3
"""Benchmark `bim detect` on a synthetic 100,000+ file monorepo and on a small repo.

Builds (once, cached under the output folder) a monorepo with a .git of 30,000 objects,
node_modules folders holding 50,000 files, and apps/* + packages/* holding the rest, then
times `bim detect --json` with warm caches and prints the median and spread. It also times
the floor under the big-tree figure: only opening and reading the source files detect has
to search (benches/read_floor.rs), with nothing else done.

Usage: scripts/bench-detect.py [--runs N] [--bin PATH] [--tree DIR]
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def build_tree(tree: Path) -> int:
    marker = tree / ".bench-complete"
    if marker.exists():
        return int(marker.read_text())
    count = 0
    write(tree / "package.json", '{"name":"big","private":true,"workspaces":["apps/*","packages/*"]}')
    write(tree / "package-lock.json", '{"lockfileVersion":3}')
    write(tree / ".gitignore", "coverage/\n*.log\n")
    count += 3
    # .git: 30,000 loose objects in 256 folders.
    for i in range(30_000):
        write(tree / ".git" / "objects" / f"{i % 256:02x}" / f"{i:038x}", "x")
    count += 30_000
    # node_modules: 50,000 files, at the root and in two apps.
    for i in range(50_000):
        where = ["", "apps/app-000/", "apps/app-001/"][i % 3]
        write(tree / f"{where}node_modules" / f"pkg-{i // 20}" / f"file-{i % 20}.js", "module.exports = process.env.NOPE;\n")
    count += 50_000
    # 40 apps of 400 source files and 20 libraries of 300: 22,000 files.
    for a in range(40):
        app = tree / "apps" / f"app-{a:03d}"
        write(app / "package.json", f'{{"name":"app-{a}","scripts":{{"start":"node src/index.js"}},"dependencies":{{"express":"4"}}}}')
        write(app / "src" / "index.js", f"require('express')().listen(process.env.PORT || {3000 + a});\n")
        count += 2
        for f in range(398):
            body = f"export const v{f} = process.env.APP_{a}_SETTING_{f % 7};\n" if f % 10 == 0 else f"export const v{f} = {f};\n"
            write(app / "src" / f"module-{f // 50}" / f"file-{f}.ts", body)
            count += 1
    for p in range(20):
        lib = tree / "packages" / f"lib-{p:03d}"
        write(lib / "package.json", f'{{"name":"lib-{p}","main":"index.js"}}')
        count += 1
        for f in range(299):
            write(lib / "src" / f"file-{f}.ts", f"export const x{f} = {f};\n")
            count += 1
    marker.write_text(str(count))
    return count


def time_runs(binary: str, path: Path, runs: int) -> list[float]:
    command = [binary, "detect", "--json", str(path)]
    for _ in range(3):  # warm the page cache
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        times.append((time.perf_counter() - start) * 1000)
    return times


def report(label: str, times: list[float], target_ms: float) -> bool:
    median = statistics.median(times)
    ok = median < target_ms
    print(f"{label}: median {median:.1f} ms, min {min(times):.1f}, max {max(times):.1f} "
          f"over {len(times)} runs (target < {target_ms:.0f} ms: {'met' if ok else 'MISSED'})")
    return ok


def floor(tree: Path, runs: int) -> None:
    """Times bare open+read+close of the files detect must search (the apps' sources)."""
    listing = tree.parent / (tree.name + ".sources")
    sources = sorted(str(p.relative_to(tree)) for p in (tree / "apps").glob("*/src/**/*") if p.is_file())
    listing.write_text("\n".join(sources) + "\n")
    subprocess.run(["cargo", "bench", "--quiet", "--bench", "read_floor", "--", str(tree), str(listing), str(runs)],
                   cwd=ROOT, check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--bin", default=str(ROOT / "target" / "release" / "bim"))
    parser.add_argument("--tree", default=os.environ.get("BIM_BENCH_TREE", "/tmp/bim-bench-tree"))
    args = parser.parse_args()
    if args.bin == str(ROOT / "target" / "release" / "bim"):
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    tree = Path(args.tree)
    started = time.perf_counter()
    count = build_tree(tree)
    print(f"synthetic monorepo: {count} files at {tree} (ready in {time.perf_counter() - started:.1f} s)")
    big = report("big monorepo", time_runs(args.bin, tree, args.runs), 50)
    floor(tree, args.runs)
    small = report("small repo (tests/fixtures/node-express-npm)",
                   time_runs(args.bin, ROOT / "tests" / "fixtures" / "node-express-npm", args.runs), 10)
    return 0 if big and small else 1


if __name__ == "__main__":
    sys.exit(main())
