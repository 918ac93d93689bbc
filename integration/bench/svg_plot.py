"""vm2vm.svg, drawn without a plotting library: two panels over the frame sizes (a category axis),
Mpps and cycles per byte (the switch's own cycles per packet / frame size), both on log scales,
one line of medians per switch with min-max whiskers over the rounds. It reads the vm2vm rows of
results.jsonl (those with no "bench" key); a run is the rows one vm2vm.py run wrote together.

    python3 svg_plot.py [--switches vsw,ovs-dpdk] [--last-run] [--out FILE]   (or vm2vm.py --plot-only)

Each point comes from the newest run that measured that switch at that size (or, --last-run,
from the newest run alone): points of different runs were measured at different times on a
shared machine, so the legend names each series' runs; compare within a run (RESULTS.md)."""
import argparse
import datetime
import json
import math
import os
import statistics
from xml.sax.saxutils import escape, quoteattr

HERE = os.path.dirname(os.path.abspath(__file__))
COLORS = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666",
          "#1f78b4", "#b2182b"]
MARKERS = ["circle", "square", "diamond", "triangle"]


def vm2vm_runs(path):
    """The vm2vm rows of results.jsonl grouped by run, oldest first: consecutive rows of one
    revision written within 10 s of each other (vm2vm.py writes a run's rows at its end)."""
    runs, last = [], None
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            if r.get("bench") is not None or "switch" not in r or "size" not in r:
                last = None
                continue
            t = datetime.datetime.fromisoformat(r["date"])
            if last is None or (t - last).total_seconds() > 10 or r.get("vsw") != runs[-1][-1].get("vsw"):
                runs.append([])
            runs[-1].append(r)
            last = t
    return runs


def pick(runs, switches=None, last_run=False):
    """{switch: {size: rows}} from the newest run measuring each (switch, size), in `switches`'
    order (default: every switch in the data)."""
    runs = runs[-1:] if last_run else runs
    series = {}
    for run in reversed(runs):
        for r in run:
            if (switches and r["switch"] not in switches) or not isinstance(r["size"], int):
                continue  # size "tso" (vm2vm.py): ~64 KB frames, not on the frame size axis: RESULTS.md only
            sizes = series.setdefault(r["switch"], {})
            if r["size"] not in sizes:
                sizes[r["size"]] = [x for x in run if x["switch"] == r["switch"] and x["size"] == r["size"]]
    order = list(switches) if switches else sorted(series)
    return {s: series[s] for s in order if s in series}


def run_label(rows):
    return f"{rows[0].get('vsw', '?')} {rows[0]['date'][5:10]}"


class Svg:
    def __init__(self, width, height):
        self.width, self.height, self.parts = width, height, []

    def add(self, tag, text=None, **attrs):
        """<tag a-b="v" .../>, from keyword arguments a_b=v; with `text` as its content if given."""
        a = " ".join(f'{k.replace("_", "-")}={quoteattr(str(v))}' for k, v in attrs.items())
        self.parts.append(f"<{tag} {a}/>" if text is None else f"<{tag} {a}>{escape(str(text))}</{tag}>")

    def text(self, x, y, s, size=12, anchor="start", **attrs):
        self.add("text", s, x=f"{x:.1f}", y=f"{y:.1f}", font_size=size, text_anchor=anchor, **attrs)

    def line(self, x1, y1, x2, y2, color="#000", width=1, **attrs):
        self.add("line", x1=f"{x1:.1f}", y1=f"{y1:.1f}", x2=f"{x2:.1f}", y2=f"{y2:.1f}", stroke=color,
                 stroke_width=width, **attrs)

    def marker(self, kind, x, y, color, tip):
        r = 4.5
        if kind == "circle":
            shape = f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}"'
        elif kind == "square":
            shape = f'<rect x="{x - r:.1f}" y="{y - r:.1f}" width="{2 * r}" height="{2 * r}"'
        else:
            pts = ([(x, y - r * 1.3), (x + r * 1.3, y), (x, y + r * 1.3), (x - r * 1.3, y)] if kind == "diamond"
                   else [(x, y - r * 1.3), (x + r * 1.2, y + r), (x - r * 1.2, y + r)])
            shape = '<polygon points="' + " ".join(f"{px:.1f},{py:.1f}" for px, py in pts) + '"'
        self.parts.append(f'{shape} fill="{color}" stroke="#fff" stroke-width="0.8"><title>{escape(tip)}</title>'
                          f'</{shape[1:shape.index(" ")]}>')

    def save(self, path):
        with open(path, "w") as f:
            f.write(f'<svg xmlns="http://www.w3.org/2000/svg" width="{self.width}" height="{self.height}" '
                    f'viewBox="0 0 {self.width} {self.height}" font-family="sans-serif">\n'
                    f'<rect width="{self.width}" height="{self.height}" fill="#fff"/>\n')
            f.write("\n".join(self.parts) + "\n</svg>\n")


def log_ticks(lo, hi):
    """1-2-3-5 ticks covering [lo, hi] (both > 0), and the axis' range: whole ticks around the data."""
    k0, k1 = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    ticks = [m * 10 ** k for k in range(k0, k1 + 1) for m in (1, 2, 3, 5)]
    below = [t for t in ticks if t <= lo]
    above = [t for t in ticks if t >= hi]
    lo_t, hi_t = (below[-1] if below else ticks[0]), (above[0] if above else ticks[-1])
    return [t for t in ticks if lo_t <= t <= hi_t], lo_t, hi_t


def fmt(v):
    return f"{v:g}" if v >= 0.001 else f"{v:.0e}"


def panel(svg, top, height, left, width, sizes, series, value, ylabel, colors):
    """One log-y panel: for each switch its median line and min-max whiskers at each size."""
    stats = {}
    for i, (name, by_size) in enumerate(series.items()):
        for size, rows in by_size.items():
            vs = [v for v in (value(r) for r in rows) if v is not None and v > 0]
            if vs:
                stats[name, size] = (statistics.median(vs), min(vs), max(vs), len(vs))
    svg.add("rect", x=left, y=top, width=width, height=height, fill="none", stroke="#999")
    svg.text(left - 48, top + height / 2, ylabel, 12, "middle",
             transform=f"rotate(-90 {left - 48} {top + height / 2})")
    if not stats:
        svg.text(left + width / 2, top + height / 2, "no data", 12, "middle", fill="#888")
        return
    ticks, lo, hi = log_ticks(min(s[1] for s in stats.values()), max(s[2] for s in stats.values()))

    def y(v):
        return top + height - (math.log10(v) - math.log10(lo)) / (math.log10(hi) - math.log10(lo)) * height

    for t in ticks:
        svg.line(left, y(t), left + width, y(t), "#e4e4e4")
        svg.text(left - 6, y(t) + 4, fmt(t), 11, "end")
    slot = width / len(sizes)
    for j, size in enumerate(sizes):
        svg.text(left + slot * (j + 0.5), top + height + 16, str(size), 11, "middle")
    n = len(series)
    for i, name in enumerate(series):
        color, kind = colors[name]
        dx = (i - (n - 1) / 2) * min(10, slot * 0.6 / max(n, 1))  # side by side within a size's slot
        xs = {size: left + slot * (j + 0.5) + dx for j, size in enumerate(sizes)}
        pts = [(xs[s], y(stats[name, s][0])) for s in sizes if (name, s) in stats]
        if len(pts) > 1:
            svg.add("polyline", points=" ".join(f"{px:.1f},{py:.1f}" for px, py in pts), fill="none",
                    stroke=color, stroke_width=1.5, stroke_opacity=0.7)
        for s in sizes:
            if (name, s) not in stats:
                continue
            med, mn, mx, k = stats[name, s]
            if mx > mn:
                svg.line(xs[s], y(mn), xs[s], y(mx), color, 1.2)
                svg.line(xs[s] - 3, y(mn), xs[s] + 3, y(mn), color, 1.2)
                svg.line(xs[s] - 3, y(mx), xs[s] + 3, y(mx), color, 1.2)
            svg.marker(kind, xs[s], y(med), color,
                       f"{name}, {s} B: median {med:.4g} (min {mn:.4g}, max {mx:.4g}, {k} rounds)")


def draw(series, path, title):
    sizes = sorted({s for by_size in series.values() for s in by_size})
    colors = {name: (COLORS[i % len(COLORS)], MARKERS[i // len(COLORS) % len(MARKERS)] if len(series) > len(COLORS)
                     else MARKERS[i % len(MARKERS)]) for i, name in enumerate(series)}
    left, width, legend_w = 70, max(360, 70 * len(sizes)), 250
    svg = Svg(left + width + 20 + legend_w, 40 + 2 * (260 + 40) + 40)
    svg.text(left, 22, title, 14, font_weight="bold")
    panel(svg, 40, 260, left, width, sizes, series, lambda r: r.get("mpps"),
          "Mpps received by the generator", colors)
    panel(svg, 340, 260, left, width, sizes, series,
          lambda r: r["cycles_per_packet"] / r["size"] if r.get("cycles_per_packet") else None,
          "switch cycles per byte", colors)
    svg.text(left + width / 2, 340 + 260 + 34, "frame size, bytes (with FCS)", 12, "middle")
    lx = left + width + 20
    for i, (name, by_size) in enumerate(series.items()):
        color, kind = colors[name]
        ly = 50 + i * 34
        svg.marker(kind, lx + 6, ly, color, name)
        svg.text(lx + 16, ly + 4, name, 12)
        runs = sorted({run_label(rows) for rows in by_size.values()})
        svg.text(lx + 16, ly + 18, ", ".join(runs[-3:]) + (f" (+{len(runs) - 3})" if len(runs) > 3 else ""), 10,
                 fill="#777")
    svg.text(lx, 40 + 2 * 300 + 24, "median of rounds, whiskers min-max;", 10, fill="#777")
    svg.text(lx, 40 + 2 * 300 + 37, "runs (revision, date) under each name", 10, fill="#777")
    svg.save(path)


def redraw(jsonl=os.path.join(HERE, "results.jsonl"), out=os.path.join(HERE, "vm2vm.svg"), switches=None,
           last_run=False):
    runs = vm2vm_runs(jsonl)
    series = pick(runs, switches, last_run)
    if not series:
        print(f"{out} not redrawn: no vm2vm rows" + (f" of {', '.join(switches)}" if switches else ""))
        return
    title = "VM-to-VM, one switch core" + (f": run of {run_label(runs[-1])}" if last_run else
                                           ": newest run of each switch and size")
    draw(series, out, title)
    print(f"{out}: {', '.join(series)}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--switches", help="comma-separated; default every switch in the data")
    ap.add_argument("--last-run", action="store_true")
    ap.add_argument("--jsonl", default=os.path.join(HERE, "results.jsonl"))
    ap.add_argument("--out", default=os.path.join(HERE, "vm2vm.svg"))
    a = ap.parse_args()
    redraw(a.jsonl, a.out, a.switches.split(",") if a.switches else None, a.last_run)


if __name__ == "__main__":
    main()
