"""The table of growth_session25.md: for each run's metrics.csv, the mean score of the last 100
episodes at every 100k steps, and steps per apple over those episodes.

    python results/snake/growth_session25/curves.py results/snake/growth_session25/*.metrics.csv
"""

import csv
import sys

for path in sys.argv[1:]:
    rows = list(csv.DictReader(open(path)))
    cells = []
    for at in range(100_000, 1_000_001, 100_000):
        last = [r for r in rows if int(r["step"]) <= at][-100:]
        if len(last) < 100 or int(rows[-1]["step"]) < at - 2_000:
            break
        score = sum(int(r["score"]) for r in last)
        length = sum(int(r["length"]) for r in last)
        cells.append(f"{at // 1000}k {score / 100:.2f} ({length / max(score, 1):.1f})")
    print(path.rsplit("/", 1)[-1], *cells, sep=" | ")
