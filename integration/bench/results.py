"""Where benchmarks keep what they measured: a Markdown table appended to RESULTS.md and the raw
rows to results.jsonl, both beside this file, stamped with the time and vsw's git revision."""
import datetime
import json
import os
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))


def stamp():
    """(time as 'YYYY-MM-DD HH:MM UTC', short git revision of vsw)."""
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    rev = subprocess.run(["git", "-C", HERE, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    return now, rev


def record(text, rows=(), bench=None, now=None, rev=None):
    """Prints `text`, appends it to RESULTS.md and each row (a dict) to results.jsonl."""
    print(text)
    with open(os.path.join(HERE, "RESULTS.md"), "a") as f:
        f.write(text)
    if rows:
        with open(os.path.join(HERE, "results.jsonl"), "a") as f:
            for r in rows:
                f.write(json.dumps(r | {"bench": bench, "vsw": rev, "date": now}) + "\n")
