// Hostile label values end to end: the stack's Prometheus holds series whose label values
// carry script, markup, entities, template syntax, formulas, RTL overrides, emoji, newlines
// and very long text (dev/demo_data.py HOSTILE_LABELS). Every one must show as its exact
// text in the legend, the hover, the table view and the CSV, and none may run: the payloads
// set window.__xss.
import { readFileSync } from 'node:fs';
import { test, expect } from '@playwright/test';
import { GRAFANA_PORT } from '../playwright.config.mjs';
import { watchConsole, openAndConnect, expectDrawn } from './support.mjs';

const SITE = `http://127.0.0.1:${GRAFANA_PORT}/`;

const REPORT = `---
format: 1
title: "<img src=x onerror=window.__xss=1> hostile report"
time:
  from: now-1d
  to: now
---

Prose with <script>window.__xss=1</script> and <b onmouseover="window.__xss=1">bold</b>.

\`\`\`promql title="<script>window.__xss=1</script> chart" legend="{{value}}" step=1h
max by (value) (promnote_hostile)
\`\`\`

\`\`\`promql title="Table of hostile labels" chart=table legend="{{value}}" step=6h
max by (value) (promnote_hostile)
\`\`\`
`;

test('hostile label values stay inert text in legend, hover, table, titles and CSV', async ({ page }) => {
  const console_ = watchConsole(page);
  const state = await openAndConnect(page, SITE);
  const hostile = state.expected.hostile_labels;
  expect(hostile.length).toBeGreaterThanOrEqual(15);
  await page.getByTestId('open-file').setInputFiles({ name: 'hostile.md', mimeType: 'text/markdown', buffer: Buffer.from(REPORT) });
  await expect(page.getByTestId('report-title')).toHaveText('<img src=x onerror=window.__xss=1> hostile report');
  const cells = page.getByTestId('cell');
  await expectDrawn(cells.nth(0), { timeout: 30_000 });
  await expectDrawn(cells.nth(1));
  await expect(cells.nth(0).getByTestId('cell-title')).toHaveText('<script>window.__xss=1</script> chart');

  // Legend: every label value, as its text (whitespace aside: SVG text collapses it).
  const squash = (text) => text.replace(/\s+/g, ' ').trim();
  const legend = (await cells.nth(0).locator('.legendtext').allTextContents()).map(squash);
  expect(legend.length).toBe(hostile.length);
  // Long names are cut to 48 characters in the legend (the hover has them whole).
  const short = (text) => ([...text].length > 48 ? [...text].slice(0, 47).join('') + '…' : text);
  expect([...legend].sort()).toEqual(hostile.map((v) => squash(short(v))).sort());

  // Hover over one bar segment of every trace.
  const chart = cells.nth(0).getByTestId('chart');
  await chart.scrollIntoViewIfNeeded();
  const segments = await chart.evaluate((el) =>
    [...el.querySelectorAll('.trace.bars')].map((trace) => {
      const bars = [...trace.querySelectorAll('.point path')].map((p) => p.getBoundingClientRect()).filter((r) => r.width > 1 && r.height > 1);
      const r = bars[Math.floor(bars.length / 2)];
      // d3 binds each trace group to its calcdata, whose first point holds the trace.
      // Names reach plotly.js escaped (it reads them as its HTML subset): decode them the
      // way it shows them (a textarea's content holds text and character references only).
      const decode = document.createElement('textarea');
      decode.innerHTML = trace.__data__?.[0]?.trace?.name ?? '';
      return r && { x: r.x + r.width / 2, y: r.y + r.height / 2, name: decode.value };
    }).filter(Boolean),
  );
  expect(segments.length).toBe(hostile.length);
  const hovers = new Set();
  for (const { x, y, name } of segments) {
    // plotly.js throttles hover events and the mouse passes over other bars on its way:
    // wait until the label is this trace's (its legend name may be cut: the hover has it whole).
    await page.mouse.move(x, y, { steps: 4 });
    const start = squash(name.replace(/…$/, ''));
    await expect.poll(async () => squash((await chart.locator('.hoverlayer').textContent()) ?? '')).toContain(start);
    hovers.add(await chart.locator('.hoverlayer').textContent());
  }
  const shown = [...hovers].join('\n');
  for (const value of ['<script>window.__xss=1</script>', '<img src=x onerror="window.__xss=1">', '</div><b>bold</b>', 'a&amp;b &lt;tag&gt;', '%{y} %{hovertext}']) {
    expect(shown, `hover shows ${value} as text`).toContain(value);
  }

  // Table views (a table cell, and the chart cell switched to its table): headers are the
  // label values as text.
  const headers = await cells.nth(1).locator('thead th').allTextContents();
  expect(headers.slice(1).sort()).toEqual([...hostile].sort());
  await cells.nth(0).getByTestId('table-view').click();
  await expect(cells.nth(0).getByTestId('chart')).toHaveCount(0);
  const switched = await cells.nth(0).locator('thead th').allTextContents();
  expect(switched.slice(1).sort()).toEqual([...hostile].sort());
  await cells.nth(0).getByTestId('table-view').click();
  await expect(cells.nth(0).getByTestId('chart')).toBeVisible();
  await expectDrawn(cells.nth(0));

  // Nothing became an element anywhere in the report.
  const planted = await page.evaluate(() =>
    document.querySelectorAll('[data-testid=report] script, [data-testid=report] img, [data-testid=report] svg svg, [data-testid=report] a[href^="javascript"], [data-testid=report] b[onmouseover], .prose b').length,
  );
  expect(planted).toBe(0);

  // CSV: formulas are defused, text is exact.
  const [download] = await Promise.all([page.waitForEvent('download'), cells.nth(0).getByTestId('download-csv').click()]);
  const csv = readFileSync(await download.path(), 'utf8');
  expect(csv).toContain(`"'=HYPERLINK(""http://x"")"`);
  expect(csv).toContain('<script>window.__xss=1</script>');

  expect(await page.evaluate(() => window.__xss)).toBeUndefined();
  console_.assertNoPanic();
});
