// Thresholds and value mappings end to end, against the real stack: a stat's and a
// table's cells take the colour of their step (with text that keeps WCAG AA contrast),
// mapped numbers read as words, and a time chart draws its steps as lines. The steps are
// placed between the generator's own numbers, so each colour is checked against the rule
// applied to the values the generator wrote.
import { test, expect } from '@playwright/test';
import { GRAFANA_PORT } from '../playwright.config.mjs';
import { openReportFile, watchConsole, tableNumber, yesterdaysHubs } from './support.mjs';

const SITE = `http://127.0.0.1:${GRAFANA_PORT}/`;
const HUBS = 'max by (namespace) (jupyterhub_active_users{period="24h"})';
const GREEN = '#73bf69';
const RED = '#f2495c';

let console_;
test.beforeEach(async ({ page }) => {
  console_ = watchConsole(page);
});
test.afterEach(async ({ page }) => {
  console_.assertNoPanic();
});


/** WCAG's contrast ratio of two `rgb(r, g, b)` colours. */
function contrast(a, b) {
  const luminance = (css) => {
    const [r, g, b] = css.match(/\d+/g).slice(0, 3).map((c) => {
      const v = Number(c) / 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

test('stats and tables take their steps\' colours and mapped words; a time chart draws its steps', async ({ page }) => {
  const hubs = yesterdaysHubs();
  const values = [...new Set(hubs.map((h) => h.value))].sort((a, b) => a - b);
  expect(values.length).toBeGreaterThan(2);
  // A step between the middle values: some hubs below it, some above.
  const middle = Math.floor(values.length / 2);
  const step = (values[middle - 1] + values[middle]) / 2;
  const mapped = values[0];
  const report = `---
format: 1
title: Colours
time:
  from: now-7d/d
  to: now-1d/d
---

\`\`\`promql title="Hubs" chart=table instant=true columns="namespace:Hub" thresholds=green,${step}:red mappings="${mapped}:Quiet <b>hub</b>"
${HUBS}
\`\`\`

\`\`\`promql title="Busiest" chart=stat instant=true thresholds=green,${step}:red
max(${HUBS})
\`\`\`

\`\`\`promql title="Over the week" chart=line step=1h thresholds=green,${step}:orange,${values.at(-1) + 1}:red thresholds_style=line
${HUBS}
\`\`\`
`;
  await openReportFile(page, SITE, { name: 'colours.md', markdown: report, title: 'Colours' });
  const cells = page.getByTestId('cell');

  // The table: every value cell coloured by its step, the mapped value in words (as text).
  const rows = await cells.nth(0).locator('[data-testid=table] tbody tr').evaluateAll((trs) =>
    trs.map((tr) => {
      const td = tr.querySelector('td.number');
      const style = getComputedStyle(td);
      return { hub: tr.children[0].textContent, text: td.textContent, colour: td.dataset.colour, bg: style.backgroundColor, fg: style.color, markup: td.children.length };
    }),
  );
  expect(rows.length).toBe(hubs.length);
  const expected = hubs.map((h) => ({ hub: h.namespace, text: h.value === mapped ? 'Quiet <b>hub</b>' : tableNumber(h.value), colour: h.value >= step ? RED : GREEN }));
  const key = (r) => `${r.hub}|${r.text}|${r.colour}`;
  expect(rows.map(key).sort()).toEqual(expected.map(key).sort());
  for (const r of rows) {
    expect(r.markup).toBe(0);
    expect(contrast(r.bg, r.fg)).toBeGreaterThanOrEqual(4.5);
  }

  // The stat: each datasource's busiest hub, coloured by its step.
  const stat = await cells.nth(1).locator('[data-testid=table] tbody td').evaluateAll((tds) => tds.map((td) => [td.textContent, td.dataset.colour]));
  const busiest = {};
  for (const h of hubs) busiest[h.datasource] = Math.max(busiest[h.datasource] ?? -Infinity, h.value);
  expect(stat.map(([t, c]) => `${t}|${c}`).sort()).toEqual(Object.values(busiest).map((v) => `${tableNumber(v)}|${v >= step ? RED : GREEN}`).sort());

  // The line chart: a line at each step, in its colour, across the plot; said in words.
  const chart = cells.nth(2);
  await expect(chart).toHaveAttribute('data-state', 'drawn');
  const shapes = await chart.getByTestId('chart').evaluate((c) => (c.layout.shapes ?? []).map((s) => ({ type: s.type, y0: s.y0, y1: s.y1, colour: s.line.color, xref: s.xref })));
  expect(shapes).toEqual([
    { type: 'line', y0: step, y1: step, colour: '#ff9830', xref: 'paper' },
    { type: 'line', y0: values.at(-1) + 1, y1: values.at(-1) + 1, colour: RED, xref: 'paper' },
  ]);
  await expect(chart.getByTestId('chart-summary')).toContainText(`Thresholds drawn at ${step} (orange), ${values.at(-1) + 1} (red).`);
});
