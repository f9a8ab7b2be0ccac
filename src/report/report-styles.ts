/** The report's styles, inline in its one HTML file. */
export const reportStyles = `
:root { color-scheme: light; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #1a1a1a; }
body { margin: 0; background: #fafafa; }
main { max-width: 1360px; margin: 0 auto; padding: 24px; }
h1 { margin: 0 0 12px; font-size: 1.6rem; }
h2 { margin-top: 0; font-size: 1.2rem; }
section { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 16px 20px; margin: 16px 0; }
.simulated { background: #fff3cd; border: 2px solid #b26a00; border-radius: 6px; padding: 12px 16px; font-size: 1.05rem; }
.simulated strong { color: #8a1c00; margin-right: 8px; letter-spacing: 0.04em; }
dl.summary { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0 0 12px; }
dl.summary dt { font-weight: 600; }
dl.summary dd { margin: 0; }
table { border-collapse: collapse; margin: 8px 0; font-size: 0.9rem; }
th, td { border: 1px solid #ddd; padding: 4px 8px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.charts { display: flex; flex-wrap: wrap; gap: 24px; }
.charts figure.chart { flex: 1 1 520px; min-width: 0; }
figure.chart { margin: 8px 0; max-width: 760px; }
figure.chart svg { width: 100%; height: auto; background: #fff; }
figcaption { font-size: 0.9rem; color: #444; }
ul.legend { list-style: none; display: flex; flex-wrap: wrap; gap: 12px; padding: 0; margin: 4px 0; font-size: 0.9rem; }
.swatch { display: inline-block; width: 12px; height: 12px; margin-right: 6px; vertical-align: -1px; border-radius: 2px; }
svg .grid { stroke: #eee; }
svg .axis { stroke: #888; }
svg .tick, svg .value { font-size: 11px; fill: #444; }
svg .axis-label { font-size: 12px; fill: #222; }
.unavailable, .note { color: #555; font-style: italic; }
.message { border-left: 4px solid #999; margin: 8px 0; padding: 4px 10px; background: #f6f6f6; }
.message .role { font-weight: 600; font-size: 0.85rem; text-transform: uppercase; color: #333; }
.message pre, pre { white-space: pre-wrap; word-break: break-word; margin: 4px 0; font-size: 0.85rem; }
.role-system { border-color: #6c757d; }
.role-user { border-color: #1f77b4; }
.role-assistant { border-color: #2ca02c; }
.reply { border-color: #d62728; background: #fff5f5; }
footer { color: #666; font-size: 0.85rem; }
table.confusion td.diagonal { background: #e6f4ea; font-weight: 600; }
table.confusion td.off { background: #fdecea; }
.filters { display: flex; flex-wrap: wrap; gap: 12px; align-items: center; margin: 8px 0; }
table.review td { vertical-align: top; text-align: left; }
table.review pre { max-width: 520px; }
`;
