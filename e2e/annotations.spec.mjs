// Notes on the timeline end to end, against the real stack: a moment drawn as a line, a
// span as a band, both listed as text; a masking span leaves the series it names out of
// exactly its days, in the chart, the table's totals and both command-line CSVs.
// Expected values come from the data generator (each hub's value at every midnight).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect } from '@playwright/test';
import { GRAFANA_PORT } from '../playwright.config.mjs';
import { allCellsSettled, expectedName, openAndConnect, openFileAndSettle, openReportFile, stackState, watchConsole } from './support.mjs';

const SITE = `http://127.0.0.1:${GRAFANA_PORT}/`;
const PROMNOTE = process.env.PROMNOTE_BIN ?? 'target/debug/promnote';
const DAY = 86_400_000;

/** The UTC date `k` days from today (negative: before). */
function date(k) {
  return new Date(Date.now() - (Date.now() % DAY) + k * DAY).toISOString().slice(0, 10);
}

/** The date before `day` (a plotly date-axis position: half a day before `day`). */
function halfDayBefore(day) {
  return `${new Date(Date.parse(day) - DAY).toISOString().slice(0, 10)} 12:00:00`;
}

const MASKED = [date(-7), date(-6), date(-5)];
const QUERY = 'max by (namespace) (jupyterhub_active_users{period="24h"})';
const REPORT = `---
format: 1
title: Notes on the timeline
time:
  from: now-14d/d
  to: now-1d/d
annotations:
  - at: ${date(-10)}
    text: Term starts <script>window.__xss=1</script>
  - from: ${MASKED[0]}
    to: ${MASKED[2]}
    text: prod on cluster-north double-counted
    mask: {datasource: cluster-north, namespace: prod}
---

\`\`\`promql title="Daily users" step=1d legend="{{namespace}}"
${QUERY}
\`\`\`

\`\`\`promql title="Daily users, table" chart=table total=both step=1d legend="{{namespace}}"
${QUERY}
\`\`\`

\`\`\`promql title="Without notes" step=1d legend="{{namespace}}" annotations=off
${QUERY}
\`\`\`
`;

let console_;
test.beforeEach(async ({ page }) => {
  console_ = watchConsole(page);
});
test.afterEach(async ({ page }) => {
  console_.assertNoPanic();
  expect(await page.evaluate(() => window.__xss)).toBeUndefined();
});

const NORTH_PROD = (s) => s.datasource === 'cluster-north' && s.namespace === 'prod';

/** Every series' trace checked day by day against the generator: the masked days of
 * cluster-north's prod are gaps, every other value is the generator's. */
function expectMaskedTraces(traces) {
  const expected = stackState().expected.series;
  let checked = 0;
  for (const series of expected) {
    const trace = traces.find((t) => t.name === expectedName(series, expected));
    if (!trace) continue; // a hub without data in these two weeks
    trace.x.forEach((day, i) => {
      const masked = NORTH_PROD(series) && MASKED.includes(day.slice(0, 10));
      expect(trace.y[i], `${trace.name} on ${day}`).toBe(masked ? null : (series.daily[day.slice(0, 10)] ?? null));
      checked += 1;
    });
  }
  expect(checked).toBeGreaterThan(100);
}

test('annotations are drawn as a line and a band, listed as text, and the mask leaves out exactly its days', async ({ page }) => {
  await openReportFile(page, SITE, { name: 'notes.md', markdown: REPORT, title: 'Notes on the timeline' });
  const figures = await page.locator('[data-testid=chart]').evaluateAll((charts) =>
    charts.map((c) => ({
      traces: c.data.map((t) => ({ name: t.name, x: [...t.x], y: [...t.y] })),
      shapes: c.layout.shapes ?? [],
      labels: (c.layout.annotations ?? []).map((a) => ({ text: a.text, hovertext: a.hovertext })),
    })),
  );
  expect(figures).toHaveLength(2); // the table cell has no chart
  const [chart, plain] = figures;
  expectMaskedTraces(chart.traces);
  expectMaskedTraces(plain.traces);
  // A dashed line at the start of the day's bar; a band over the three masked bars.
  expect(chart.shapes.map((s) => [s.type, s.x0, s.x1])).toEqual([
    ['line', halfDayBefore(date(-10)), halfDayBefore(date(-10))],
    ['rect', halfDayBefore(MASKED[0]), `${MASKED[2]} 11:59:59`],
  ]);
  // Numbered as the list beside the chart; the whole text, escaped, in the hover.
  expect(chart.labels.map((l) => l.text)).toEqual(['<b>1</b>', '<b>2</b>']);
  expect(chart.labels[0].hovertext).toBe(`${date(-10)}: Term starts &lt;script&gt;window.__xss=1&lt;/script&gt;`);
  expect(chart.labels[1].hovertext).toBe(`${MASKED[0]} to ${MASKED[2]}: prod on cluster-north double-counted`);
  expect(plain.shapes).toEqual([]); // annotations=off
  const cells = page.getByTestId('cell');
  await expect(cells.nth(0).getByTestId('timeline-note')).toHaveText([
    `1 ${date(-10)} Term starts <script>window.__xss=1</script>`,
    `2 ${MASKED[0]} to ${MASKED[2]} prod on cluster-north double-counted (its values are left out)`,
  ]);
  await expect(cells.nth(0).getByTestId('chart-summary')).toContainText(`Notes on the timeline: ${date(-10)}: Term starts`);
  await expect(cells.nth(2).getByTestId('timeline-note')).toHaveCount(0);
  await expect(cells.nth(0).locator('.note')).toContainText([`prod on cluster-north double-counted: 3 value(s) of cluster-north {namespace="prod"} left out (${MASKED[0]} to ${MASKED[2]})`]);

  // The table's Total row adds only the days that are left.
  const expected = stackState().expected.series;
  const northProd = expected.find(NORTH_PROD);
  const days = Array.from({ length: 14 }, (_, i) => date(i - 14));
  const kept = days.filter((d) => !MASKED.includes(d)).reduce((a, d) => a + (northProd.daily[d] ?? 0), 0);
  const table = await cells.nth(1).getByTestId('table').evaluate((wrap) => {
    const head = [...wrap.querySelectorAll('thead th')].map((th) => th.textContent);
    const rows = [...wrap.querySelectorAll('tbody tr, tfoot tr')].map((tr) => [...tr.children].map((c) => c.textContent));
    return { head, rows };
  });
  const column = table.head.indexOf(expectedName(northProd, expected));
  const total = table.rows.find((r) => r[0].startsWith('Total'));
  expect(Number(total[column].replaceAll(',', ''))).toBe(kept);
  for (const day of MASKED) {
    expect(table.rows.find((r) => r[0] === day)[column], day).toBe('');
  }
});

test('promnote masks the same days: the wide CSV total and the tidy CSV', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'promnote-notes-'));
  const file = join(dir, 'notes.md');
  writeFileSync(file, REPORT);
  const state = stackState();
  const run = (...args) => {
    const result = spawnSync(PROMNOTE, ['--grafana', state.grafana_url, 'run', file, ...args], {
      encoding: 'utf8',
      timeout: 120_000,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, GRAFANA_TOKEN: state.token },
    });
    expect(result.status, result.stderr).toBe(0);
    return result.stdout.split('\r\n').filter(Boolean).map((l) => l.split(','));
  };
  const expected = state.expected.series;
  const northProd = expected.find(NORTH_PROD);
  const [head, ...rows] = run('--cell', '2', '--format', 'csv-wide');
  const column = head.indexOf(expectedName(northProd, expected));
  for (const row of rows.filter((r) => MASKED.includes(r[0]))) expect(row[column], row[0]).toBe('');
  const days = rows.filter((r) => /^\d{4}-/.test(r[0])).map((r) => r[0]);
  expect(days).toHaveLength(14);
  const kept = days.filter((d) => !MASKED.includes(d)).reduce((a, d) => a + (northProd.daily[d] ?? 0), 0);
  expect(Number(rows.find((r) => r[0].startsWith('Total'))[column])).toBe(kept);
  // Tidy: a day's sample is written at the midnight that ends it.
  const [tidyHead, ...tidy] = run('--format', 'csv');
  const at = (name) => tidyHead.indexOf(name);
  const north = tidy.filter((r) => r[at('datasource')] === 'cluster-north' && r[at('namespace')] === 'prod' && r[at('cell')] === 'Daily users');
  const sampled = north.map((r) => new Date(Date.parse(r[at('time')]) - DAY).toISOString().slice(0, 10));
  expect(sampled).toEqual(days.filter((d) => !MASKED.includes(d) && northProd.daily[d] !== undefined));
});

test('a query annotation draws each series\' non-zero stretches as events, titled from its labels', async ({ page }) => {
  const report = `---
format: 1
title: Mondays
time:
  from: now-14d/d
  to: now-1d/d
annotations:
  - query: max by (namespace) (jupyterhub_active_users{period="24h", namespace="prod"}) > 0 and on() (day_of_week() == 1)
    title: "Monday on {{namespace}}"
    step: 1h
---

\`\`\`promql title="Daily users" step=1d legend="{{namespace}}"
${QUERY}
\`\`\`
`;
  await openReportFile(page, SITE, { name: 'mondays.md', markdown: report, title: 'Mondays' });
  // Every Monday of the two weeks: from its 00:00 to its 23:00 (the last hourly sample).
  const mondays = Array.from({ length: 14 }, (_, i) => date(i - 14)).filter((d) => new Date(d).getUTCDay() === 1);
  expect(mondays.length).toBe(2);
  const notes = page.getByTestId('cell').first().getByTestId('timeline-note');
  await expect(notes).toHaveText(mondays.map((d, i) => `${i + 1} ${d} to ${d} 23:00 Monday on prod`));
  const shapes = await page.locator('[data-testid=chart]').first().evaluate((c) => c.layout.shapes.map((s) => [s.type, s.x0, s.x1]));
  expect(shapes).toEqual(mondays.map((d) => ['rect', halfDayBefore(d), `${d} 11:00:00`]));
  await expect(page.getByTestId('annotation-note')).toHaveCount(0);
});

test('Grafana\'s own annotations (grafana: true, by tags) are drawn at their times, their text kept as text', async ({ page }) => {
  const report = `---
format: 1
title: From Grafana
time:
  from: now-14d/d
  to: now-1d/d
annotations:
  - grafana: true
    tags: [maintenance]
  - grafana: true
    tags: [deploy]
---

\`\`\`promql title="Daily users" step=1d legend="{{namespace}}"
${QUERY}
\`\`\`
`;
  const state = await openAndConnect(page, SITE);
  await allCellsSettled(page);
  await openFileAndSettle(page, { name: 'grafana.md', markdown: report, title: 'From Grafana' });
  const config = JSON.parse(readFileSync(state.grafana_config, 'utf8'));
  const byTag = (tag) => config.annotations.filter((a) => a.tags.includes(tag)).sort((a, b) => a.time - b.time);
  const wall = (ms) => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
  const when = (a) => {
    const at = (ms, end) => {
      const text = wall(ms + (end ? 1 : 0));
      return text.endsWith('00:00:00') ? wall(ms).slice(0, 10) : text.slice(0, 16);
    };
    return a.timeEnd > a.time ? `${at(a.time)} to ${at(a.timeEnd, true)}` : at(a.time);
  };
  const expected = [...byTag('maintenance'), ...byTag('deploy')];
  expect(expected).toHaveLength(3);
  const notes = page.getByTestId('cell').first().getByTestId('timeline-note');
  await expect(notes).toHaveText(expected.map((a, i) => `${i + 1} ${when(a)} ${a.text}`));
  const shapes = await page.locator('[data-testid=chart]').first().evaluate((c) => c.layout.shapes.map((s) => [s.type, s.x0, s.x1]));
  // A day's bar is centred on its midnight: a time sits half a day to the left of it.
  expect(shapes).toEqual(
    expected.map((a) => [a.timeEnd > a.time ? 'rect' : 'line', wall(a.time - 43_200_000), wall(Math.max(a.timeEnd, a.time) - 43_200_000)]),
  );
  await expect(page.getByTestId('annotation-note')).toHaveCount(0);
  // Grafana's markup stays text.
  await expect(notes.nth(1)).toContainText('<b>v2</b>');
  expect(await page.getByTestId('cell').first().locator('.timeline-notes b').count()).toBe(0);
});

test('a mask that matches no series is said above the report, once every cell has run', async ({ page }) => {
  const report = `---
format: 1
title: Typo
time:
  from: now-7d/d
  to: now-1d/d
annotations:
  - from: ${date(-4)}
    to: ${date(-3)}
    text: leave out a hub
    mask: {namespace: no-such-hub}
---

\`\`\`promql title="Daily users" step=1d legend="{{namespace}}"
${QUERY}
\`\`\`
`;
  await openReportFile(page, SITE, { name: 'typo.md', markdown: report, title: 'Typo' });
  await expect(page.getByTestId('annotation-note')).toHaveText([
    'The annotation “leave out a hub” masks no series of this report: check its mask {namespace: no-such-hub}.',
  ]);
});
