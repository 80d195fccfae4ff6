"""Turns the RESULT lines of bench/run.sh into markdown tables: the median of every figure per
scenario and connector, and the ratios postgres/reference as the median of the ratios of runs
made in the same pair (side by side, so that the machine's noise hits both). A figure a connector
does not report shows as '-'.

    summary.py RESULTS             the tables, in markdown
    summary.py RESULTS --asciidoc  the same in AsciiDoc (for docs/modules/ROOT/pages/includes/)
    summary.py --markdown          a CSV table on standard input, as a markdown table
"""
import collections
import csv
import statistics
import sys

REFERENCES = {"pgqueue": "rabbitmq", "pglog": "kafka"}
# how a run was warmed up, not what it measured: a ratio of these would mean nothing
DIAGNOSTICS = {"warm_up_rounds", "jit_measured_s"}


def markdown(rows, title=None):
    if title:
        print(f"\n#### {title}\n")
    print("| " + " | ".join(rows[0]) + " |")
    print("|---" * len(rows[0]) + "|")
    for row in rows[1:]:
        print("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")


def asciidoc(rows, title):
    print(f"\n.{title}")
    print(f'[cols="2{",1" * (len(rows[0]) - 1)}",options="header"]')
    print("|===")
    for row in rows:
        print(" ".join("|" + cell for cell in row))
    print("|===")


def summary(path, table):
    runs = collections.defaultdict(dict)  # (scenario, connector) -> pair -> figures
    for line in open(path):
        fields = dict(f.split("=", 1) for f in line.split()[1:])
        runs[(fields.pop("scenario"), fields.pop("connector"))][fields.pop("pair")] = fields

    for scenario in dict.fromkeys(s for s, _ in runs):  # in the order they ran
        connectors = sorted(c for s, c in runs if s == scenario)
        keys = list(dict.fromkeys(k for c in connectors for f in runs[(scenario, c)].values() for k in f
                                  if k != "messages"))
        pairs = max(len(runs[(scenario, c)]) for c in connectors)
        rows = [["connector"] + keys]
        for connector in connectors:
            figures = runs[(scenario, connector)].values()
            rows.append([connector] + [median([f[k] for f in figures if k in f]) for k in keys])
        # before/after runs (BASELINE=<ref> bench/run.sh): each postgres connector against itself at the baseline
        pairs_to_compare = dict(REFERENCES)
        pairs_to_compare.update({c[:-len("@baseline")]: c for c in connectors if c.endswith("@baseline")})
        # the cost of metrics (bench/run.sh, <connector>+metrics): each against the connector without them
        pairs_to_compare.update({c: c[:-len("+metrics")] for c in connectors if c.endswith("+metrics")})
        for postgres, reference in pairs_to_compare.items():
            if (scenario, postgres) in runs and (scenario, reference) in runs:
                mine, theirs = runs[(scenario, postgres)], runs[(scenario, reference)]
                ratios = []
                for k in keys:
                    if k in DIAGNOSTICS:
                        ratios.append("-")
                        continue
                    pair_ratios = [float(mine[p][k]) / float(theirs[p][k]) for p in mine
                                   if p in theirs and k in mine[p] and k in theirs[p] and float(theirs[p][k]) != 0]
                    ratios.append(f"{statistics.median(pair_ratios):.2f}" if pair_ratios else "-")
                rows.append([f"{postgres}/{reference}"] + ratios)
        table(rows, f"{scenario} (medians of {pairs} run{'s' if pairs > 1 else ''} each)")


def median(values):
    if not values:
        return "-"
    m = statistics.median(float(v) for v in values)
    # whole numbers in full (millions too), others as short as they go
    return str(int(m)) if m.is_integer() else f"{m:g}"


if sys.argv[1] == "--markdown":
    markdown(list(csv.reader(sys.stdin)))
else:
    summary(sys.argv[1], asciidoc if sys.argv[2:] == ["--asciidoc"] else markdown)
