/** The report's stylesheet (inline; the page loads nothing). */
export const REPORT_CSS = `
:root { --fg: #1f2328; --muted: #59636e; --line: #d0d7de; --bg: #f6f8fa; --card: #fff;
  --ok: #1a7f37; --ok-bg: #dafbe1; --bad: #cf222e; --bad-bg: #ffebe9; --accent: #0969da; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 15px/1.5 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; }
header.top { background: #24292f; color: #fff; padding: 24px 32px 18px; }
header.top h1 { margin: 0 0 6px; font-size: 26px; font-weight: 600; }
header.top dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 8px 0 0; font-size: 14px; }
header.top dt { color: #afb8c1; }
header.top dd { margin: 0; }
nav.toc { padding: 10px 32px; background: #fff; border-bottom: 1px solid var(--line); position: sticky; top: 0; z-index: 1; }
nav.toc a { color: var(--accent); text-decoration: none; margin-right: 18px; font-weight: 500; }
main { max-width: 1400px; margin: 0 auto; padding: 16px 24px 48px; }
section.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 18px 20px; margin: 20px 0; }
section.card h2 { margin: 0 0 4px; font-size: 21px; }
section.card h3 { margin: 22px 0 8px; font-size: 16px; color: #333; }
p.run { color: var(--muted); margin: 0 0 8px; font-size: 14px; }
p.description { margin: 4px 0 8px; }
.score { font-size: 15px; margin: 4px 0 12px; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; font-size: 13.5px; width: 100%; }
th, td { border-bottom: 1px solid #eaeef2; padding: 6px 10px; text-align: left; vertical-align: top; }
th { background: var(--bg); font-weight: 600; white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.claim b { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12.5px; font-weight: 600; }
td.evidence { color: #333; font-size: 13px; }
.verdict { display: inline-block; padding: 1px 8px; border-radius: 12px; font-weight: 600; font-size: 12.5px; white-space: nowrap; }
.verdict.holds { color: var(--ok); background: var(--ok-bg); }
.verdict.fails { color: var(--bad); background: var(--bad-bg); }
.verdict.inconclusive, .verdict.legacy { color: #57606a; background: #eaeef2; }
span.test { font-size: 12.5px; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; }
figure { margin: 0; }
figure.chart { border: 1px solid #eaeef2; border-radius: 6px; padding: 10px; background: #fff; max-width: 100%; overflow-x: auto; }
figure.chart h4 { margin: 0 0 6px; font-size: 14px; }
figure.chart svg { display: block; max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 12.5px; margin-top: 6px; }
figure.picture img { display: block; max-width: 100%; height: auto; image-rendering: pixelated; border: 1px solid #eaeef2; }
p.missing { color: var(--bad); }
ul.notes { margin: 0; padding-left: 20px; color: #333; }
footer { color: var(--muted); font-size: 13px; text-align: center; padding: 24px; }
`;
