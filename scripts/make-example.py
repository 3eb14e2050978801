#!/usr/bin/env python3
"""Build the shipped example (examples/trainticket/metrics.csv.gz) from the shared Train Ticket data.

Run from the repo root:  /usr/bin/python3 scripts/make-example.py [day]
One wide CSV: `time` (UTC minute) then one column per metric named `service/metric`.
Pod rows are aligned by flooring their timestamps to the minute (the files differ by 1-3 s);
cells are kept as the source wrote them (the literal `NaN` stays), a minute a pod did not
report is an empty cell. Service = pod name minus its last two `-` parts.
"""
import csv, glob, gzip, os, sys

day = sys.argv[1] if len(sys.argv) > 1 else "2023-01-30"
src = os.path.join("..", "shared", "datasets", "trainticket", day, "metric")
skip = {"Time", "TimeStamp", "PodName", "ServiceName"}
columns = {}   # name -> {minute: cell}
minutes = set()
for path in sorted(glob.glob(os.path.join(src, "*.csv"))):
    base = os.path.basename(path)
    service = "front" if base == "front_service.csv" else "-".join(base[: -len("_metric.csv")].split("-")[:-2])
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            minute = int(row["TimeStamp"]) // 60 * 60
            minutes.add(minute)
            for k, v in row.items():
                if k in skip:
                    continue
                columns.setdefault(f"{service}/{k}", {})[minute] = v
names = list(columns)
out = os.path.join("examples", "trainticket", "metrics.csv.gz")
with gzip.open(out, "wt", newline="", compresslevel=9) as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["time"] + names)
    import datetime
    for m in sorted(minutes):
        t = datetime.datetime.fromtimestamp(m, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        w.writerow([t] + [columns[n].get(m, "") for n in names])
print(f"{out}: {len(minutes)} rows x {len(names)} metrics")
