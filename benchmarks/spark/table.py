"""benchmarks/results/spark.md from run-spark.sh's logs: python3 benchmarks/spark/table.py WORK N K"""
import re
import sys

w, n, k = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])


def last(path):
    return open(path).read().strip().splitlines()[-1]


cli = re.search(r"done (\d+) images, skipped \d+ \(done before\), failed (\d+), in ([0-9.]+) s", last(f"{w}/cli.log"))
cli_done, cli_secs = int(cli.group(1)), float(cli.group(3))
cli_rate = cli_done / cli_secs


def spark(label):
    m = re.search(r"done (\d+) images \((\d+) maps\), failed (\d+), in ([0-9.]+) s \(job ([0-9.]+) s", last(f"{w}/{label}.log"))
    done, failed, total, job = int(m.group(1)), int(m.group(3)), float(m.group(4)), float(m.group(5))
    rss = [tuple(map(float, line.split(","))) for line in open(f"{w}/rss-{label}.csv") if line.count(",") == 1 and line.split(",")[1].strip()]
    kib = int(open(f"{w}/{label}.kib").read())
    return done, failed, total, job, rss, kib


heap = sys.argv[4] if len(sys.argv) > 4 else "-Xmx1g"
print("# Spark against the single process\n")
print(f"Produced by `benchmarks/run-spark.sh {n} {k}` (scene files of 56 x 56, the zoo: ViT encoder, TVE explainer, batch 64, "
      "1 libtorch thread per JVM, 2 cores). `tve explain`: maps only, its own timing of the pipeline (model loading excluded). "
      "`tve spark-explain --master local[2]`: two task threads sharing one engine in one JVM, Parquet out; 'job' is the "
      "explain-and-write job (after the session start and the driver's listing, before the summary), 'total' the whole command. "
      f"The Spark JVM runs with {heap} (an executor's heap).\n")
print("| run | images | failed | img/s (job) | ns/image (job) | against | ratio | target | total s | output |")
print("|---|---:|---:|---:|---:|---|---:|---:|---:|---:|")
print(f"| tve explain, maps only | {cli_done:,} | 0 | {cli_rate:.0f} | {1e9 / cli_rate:,.0f} | - | - | - | {cli_secs:.1f} | - |")
s = spark("spark")
rate = (s[0] + s[1]) / s[3]
print(f"| tve spark-explain, local[2] | {s[0]:,} | {s[1]} | {rate:.0f} | {1e9 / rate:,.0f} | tve explain | {rate / cli_rate:.2f} | 0.8 | "
      f"{s[2]:.1f} | {s[5] / 1024:,.0f} MiB Parquet |")

rss = s[4]
if rss:
    t_end = rss[-1][0]
    after = [r for r in rss if r[0] >= 0.25 * t_end]
    first, lastr = after[0], rss[-1]
    peak = max(r[1] for r in rss)
    print(f"\nRSS of the Spark JVM (driver and executor in one, local[2]), sampled every 2 s over {t_end:.0f} s: peak {peak / 1024:,.0f} MiB; "
          f"{first[1] / 1024:,.0f} MiB at a quarter of the run ({first[0]:.0f} s), {lastr[1] / 1024:,.0f} MiB at the end: "
          f"{(lastr[1] - first[1]) / 1024:+,.0f} MiB over the last three quarters.")
    marks = [rss[int(i * (len(rss) - 1) / 8)] for i in range(9)]
    print("\n| t (s) | " + " | ".join(f"{m[0]:.0f}" for m in marks) + " |")
    print("|---|" + "---:|" * len(marks))
    print("| RSS (MiB) | " + " | ".join(f"{m[1] / 1024:,.0f}" for m in marks) + " |")

t, ks = spark("tve"), spark("kernel-shap")
print(f"\n## TVE against KernelSHAP through the same transformer ({k} files, local[2])\n")
print("| method | images | s (job) | ms/image | cost vs TVE |")
print("|---|---:|---:|---:|---:|")
for label, r in [("tve", t), ("kernel-shap (2P + 2048 coalitions)", ks)]:
    print(f"| {label} | {r[0]:,} | {r[3]:.1f} | {1000 * r[3] / max(1, r[0] + r[1]):,.1f} | {r[3] / t[3]:,.1f}x |")
big = 1000 * s[3] / (s[0] + s[1])
print(f"\nOn {k} files TVE's job is mostly fixed cost (opening the engine, Spark's stages). At scale (the {n:,}-file job above) TVE costs "
      f"{big:.2f} ms/image: KernelSHAP costs {1000 * ks[3] / max(1, ks[0] + ks[1]) / big:,.0f}x that per image.")
