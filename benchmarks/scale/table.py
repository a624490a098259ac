import csv, re, sys
w, n = sys.argv[1], int(sys.argv[2])
def rows(label):
    return [tuple(int(x) for x in r) for r in csv.reader(open(f"{w}/rss-{label}.csv")) if len(r) == 3 and int(r[1]) > 0]
def last_line(label):
    return open(f"{w}/{label}.log").read().strip().splitlines()[-1]
print(f"# tve explain over {n:,} files under -Xmx64m\n")
print("Produced by `benchmarks/run-scale.sh`: maps only, TVE, the zoo, 1 libtorch thread, 2 cores; the run cut off (kill -9) at about "
      "half the files, resumed to the end, then run again (everything skipped); RSS of the JVM sampled every 5 s. Growth is measured "
      "from 20,000 files into a run (the first minutes hold the allocator's and the JIT's one-off steps) to its end.\n")
print("| run | last line | files in this run | RSS peak (MiB) | RSS at 20,000 files in (MiB) | RSS at the end (MiB) | growth per 100,000 files (MiB) |")
print("|---|---|---:|---:|---:|---:|---:|")
for label in ["cut", "resumed", "again"]:
    r = rows(label)
    first = r[0][2]
    files = r[-1][2] - first
    base = next((x for x in r if x[2] - first >= 20000), None)
    peak = max(x[1] for x in r) / 1024
    if base is None or r[-1][2] - base[2] < 10000:
        print(f"| {label} | {last_line(label)} | {files:,} | {peak:.0f} | - | {r[-1][1] / 1024:.0f} | - |")
        continue
    growth = (r[-1][1] - base[1]) / 1024 / (r[-1][2] - base[2]) * 100000
    print(f"| {label} | {last_line(label)} | {files:,} | {peak:.0f} | {base[1] / 1024:.0f} | {r[-1][1] / 1024:.0f} | {growth:.1f} |")
lines = open(f"{w}/out/manifest.jsonl").read().splitlines()
keys = [re.search(r'"file":"([^"]*)"', l).group(1) for l in lines[1:]]
print(f"\nmanifest: {len(lines) - 1:,} file lines, {len(set(keys)):,} distinct files, a header and one line per file: "
      f"{'yes' if len(keys) == len(set(keys)) == n else 'NO'}")
