"""Turns the RESULT lines of bench/run.sh into markdown tables: the median of every figure per
scenario and connector, and the ratios postgres/reference as the median of the ratios of runs
made in the same pair (side by side, so that the machine's noise hits both)."""
import collections
import statistics
import sys

REFERENCES = {"pgqueue": "rabbitmq", "pglog": "kafka"}
runs = collections.defaultdict(dict)  # (scenario, connector) -> pair -> figures
for line in open(sys.argv[1]):
    fields = dict(f.split("=", 1) for f in line.split()[1:])
    runs[(fields.pop("scenario"), fields.pop("connector"))][fields.pop("pair")] = fields

for scenario in sorted({s for s, _ in runs}):
    connectors = sorted(c for s, c in runs if s == scenario)
    keys = [k for k in next(iter(runs[(scenario, connectors[0])].values())) if k != "messages"]
    pairs = len(runs[(scenario, connectors[0])])
    print(f"\n#### {scenario} (medians of {pairs} runs each)\n")
    print("| connector | " + " | ".join(keys) + " |")
    print("|---" * (len(keys) + 1) + "|")
    for connector in connectors:
        figures = runs[(scenario, connector)].values()
        print(f"| {connector} | " + " | ".join(
            f"{statistics.median(float(f[k]) for f in figures):g}" for k in keys) + " |")
    for postgres, reference in REFERENCES.items():
        if (scenario, postgres) in runs and (scenario, reference) in runs:
            mine, theirs = runs[(scenario, postgres)], runs[(scenario, reference)]
            ratios = []
            for k in keys:
                pair_ratios = [float(mine[p][k]) / float(theirs[p][k]) for p in mine
                               if p in theirs and float(theirs[p][k]) != 0]
                ratios.append(f"{statistics.median(pair_ratios):.2f}" if pair_ratios else "-")
            print(f"| {postgres}/{reference} | " + " | ".join(ratios) + " |")
