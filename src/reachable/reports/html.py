"""A self-contained HTML page (inline CSS and SVG charts, no external assets) for a return."""

from __future__ import annotations

from html import escape

from reachable.reports.exports import change_text, shown
from reachable.reports.schemas import ReturnOut, Table, TableRow

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem;color:#1b1b1b;max-width:72rem}
.banner{padding:.6rem 1rem;color:#fff;font-weight:700;border-radius:4px}
.internal{background:#a00}.published{background:#1f4e79}
table{border-collapse:collapse;margin:.5rem 0 1rem}th,td{border:1px solid #ccc;padding:.25rem .5rem}
td.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#e8eef8}
figure{margin:0 0 2rem}figcaption{font-size:.85rem;color:#555}
.flags li{color:#a00}
"""
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")


def _chart(table: Table) -> str:
    """A grouped bar chart (inline SVG) of the table's count rows across periods."""
    rows = [r for r in table.rows if r.measure == "count" and any(v for v in r.values)][:6]
    if not rows:
        return ""
    peak = max((v or 0) for r in rows for v in r.values) or 1
    periods = len(table.columns)
    bar, gap, height, left = 14, 18, 160, 40
    group = bar * len(rows) + gap
    width = left + group * periods + 20
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 40}" role="img" '
             f'aria-label="{escape(table.title)}">',
             f'<line x1="{left}" y1="{height}" x2="{width}" y2="{height}" stroke="#333"/>',
             f'<text x="0" y="12" font-size="10">{int(peak):,}</text>']
    for p, label in enumerate(table.columns):
        x0 = left + p * group
        for i, row in enumerate(rows):
            value = row.values[p] or 0
            h = 0 if row.flags[p] else round(height * value / peak)
            title = escape(f"{row.label.strip()} {label}: {shown(row.values[p], row.flags[p], row.measure)}")
            parts.append(f'<rect x="{x0 + i * bar}" y="{height - h}" width="{bar - 2}" height="{h}" '
                         f'fill="{PALETTE[i % len(PALETTE)]}"><title>{title}</title></rect>')
        parts.append(f'<text x="{x0}" y="{height + 14}" font-size="10">{escape(label)}</text>')
    for i, row in enumerate(rows):
        parts.append(f'<text x="{left + (i % 3) * 180}" y="{height + 26 + (i // 3) * 12}" font-size="9" '
                     f'fill="{PALETTE[i % len(PALETTE)]}">■ {escape(row.label.strip()[:40])}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _row(row: TableRow) -> str:
    """One table row as HTML."""
    cells = "".join(f'<td class="n">{escape(shown(v, f, row.measure))}</td>'
                    for v, f in zip(row.values, row.flags, strict=True))
    changes = "".join(f'<td class="n">{escape(change_text(c, row.measure))}</td>' for c in row.changes)
    return f"<tr><td>{escape(row.label)}</td>{cells}{changes}</tr>"


def _table(ret: ReturnOut, table: Table) -> str:
    """A table section: heading, classification, figures, chart."""
    head = "".join(f"<th>{escape(c)}</th>" for c in ["", *table.columns, *table.change_columns])
    body = "".join(_row(r) for r in table.rows)
    kind = "published" if ret.published else "internal"
    return (f'<section id="{escape(table.id)}"><h2>{escape(table.title)}</h2>'
            f'<p class="banner {kind}">{escape(ret.classification)}</p>'
            f"<p><em>Mirrors Counting Lives {escape(table.mirrors)}.</em> {escape(table.note)}</p>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
            f"<figure>{_chart(table)}<figcaption>{escape(table.title)}</figcaption></figure></section>")


def to_html(ret: ReturnOut) -> str:
    """The whole page."""
    kind = "published" if ret.published else "internal"
    flags = "".join(f"<li>{escape(flag)}</li>" for flag in ret.flags)
    completeness = "".join(
        f"<tr><td>{escape(c.statistic)}</td><td>{escape(c.area)}</td><td>{escape(', '.join(c.agencies) or 'none')}"
        f"</td><td>{escape(', '.join(c.missing_kinds) or '—')}</td></tr>"
        for c in ret.completeness if c.area == ret.area)
    definitions = "".join(f"<dt><code>{escape(s.id)}</code> {escape(s.title)}</dt><dd>{escape(s.definition)} "
                          f"<small>{escape(s.inclusion)}</small></dd>" for s in ret.statistics)
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Counting Lives return — '
            f"{escape(ret.area_name)}</title><style>{STYLE}</style></head><body>"
            f'<p class="banner {kind}">{escape(ret.classification)}</p>'
            f"<h1>Counting Lives return: {escape(ret.area_name)} ({escape(ret.area)})</h1>"
            f"<p>{ret.start} to {ret.end}; generated {ret.generated_at:%Y-%m-%d %H:%M} UTC.</p>"
            f'<ul class="flags">{flags}</ul>'
            + "".join(_table(ret, t) for t in ret.tables)
            + '<section id="completeness"><h2>Data completeness</h2>'
            f'<p class="banner {kind}">{escape(ret.classification)}</p><table><thead><tr><th>statistic</th>'
            f"<th>area</th><th>agencies supplying</th><th>needed kinds with no data</th></tr></thead>"
            f"<tbody>{completeness}</tbody></table></section>"
            f'<section id="definitions"><h2>Definitions</h2><dl>{definitions}</dl></section></body></html>')
