// Instant queries end to end, against the real stack: `instant=true` cells are asked once,
// at the end of the range, and a table of them is Grafana's: a row per series with its
// labels, a value column per query joined on their common labels, arranged by `columns=`.
// Expected numbers come from the data generator (each hub's value at every midnight).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect } from '@playwright/test';
import { GRAFANA_PORT } from '../playwright.config.mjs';
import { openReportFile, stackState, watchConsole, tableNumber, yesterdaysHubs } from './support.mjs';

const SITE = `http://127.0.0.1:${GRAFANA_PORT}/`;
const PROMNOTE = process.env.PROMNOTE_BIN ?? 'target/debug/promnote';
const HUBS = 'max by (namespace) (jupyterhub_active_users{period="24h"})';

// Ends at the end of yesterday: the instant queries are evaluated at today's midnight
// (UTC), where the generator knows every hub's number (its `daily` value for yesterday).
const REPORT = `---
format: 1
title: Right now
time:
  from: now-7d/d
  to: now-1d/d
---

\`\`\`promql title="Hubs" chart=table instant=true columns="namespace:Hub,Value #B:Doubled,-nothing"
${HUBS}
\`\`\`
\`\`\`promql+ instant=true
2 * ${HUBS}
\`\`\`

\`\`\`promql title="People" chart=stat instant=true
sum(${HUBS})
\`\`\`

\`\`\`promql title="Hubs as bars" chart=bar instant=true legend="{{namespace}}"
${HUBS}
\`\`\`
`;

let console_;
test.beforeEach(async ({ page }) => {
  console_ = watchConsole(page);
});
test.afterEach(async ({ page }) => {
  console_.assertNoPanic();
});


test('a table of instant queries is a row per hub, its queries joined and its columns arranged as columns= says', async ({ page }) => {
  await openReportFile(page, SITE, { name: 'right-now.md', markdown: REPORT, title: 'Right now' });
  const cells = page.getByTestId('cell');
  await expect(cells.nth(0)).toHaveAttribute('data-state', 'drawn');
  await expect(cells.nth(0)).toContainText('Evaluated once, at the end of the range (an instant query).');
  const midnight = new Date();
  midnight.setUTCHours(0, 0, 0, 0);
  await expect(cells.nth(0).locator('.evaluated')).toHaveText(`Evaluated at ${midnight.toISOString().replace('.000Z', 'Z')}`);
  await expect(cells.nth(0).getByTestId('download-csv')).toHaveText('CSV (one row per series)');
  const table = cells.nth(0).locator('[data-testid=table][data-rows=series]');
  // Hub first, renamed; then the doubled values; then what columns= did not name, in order.
  await expect(table.locator('thead th')).toHaveText(['Hub', 'Doubled', 'datasource', 'Value #A']);
  await expect(cells.nth(0).getByTestId('columns-unknown')).toHaveText(
    'columns= names nothing, which this table does not have; its columns are: datasource, namespace, Value #A, Value #B.',
  );
  const rows = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
  // Rows in the order of their text: Hub, then datasource (byte order, as the core sorts).
  const byText = (a, b) => (a[0] === b[0] ? (a[2] < b[2] ? -1 : 1) : a[0] < b[0] ? -1 : 1);
  const expected = yesterdaysHubs()
    .map((s) => [s.namespace, tableNumber(2 * s.value), s.datasource, tableNumber(s.value)])
    .sort(byText);
  expect(rows).toEqual(expected);
  // Same-named hubs on two clusters stay two rows.
  const names = rows.map((r) => r[0]);
  expect(new Set(names).size).toBeLessThan(names.length);

  // The stat shows each datasource's sum at that instant.
  const stat = cells.nth(1).getByTestId('table');
  const sums = {};
  for (const s of yesterdaysHubs()) sums[s.datasource] = (sums[s.datasource] ?? 0) + s.value;
  const statRows = await stat.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
  expect(statRows.map((r) => r[1]).sort()).toEqual(Object.values(sums).map(tableNumber).sort());

  // A chart of an instant query: one bar per hub, at the one evaluation time.
  const chart = cells.nth(2).getByTestId('chart');
  const traces = await chart.evaluate((c) => c.data.map((t) => ({ name: t.name, x: [...t.x], y: [...t.y] })));
  expect(new Set(traces.flatMap((t) => t.x))).toEqual(new Set([midnight.toISOString().slice(0, 19).replace('T', ' ')]));
  expect(traces.map((t) => t.y[0]).sort((a, b) => a - b)).toEqual(yesterdaysHubs().map((s) => s.value).sort((a, b) => a - b));
});

test('promnote writes the same instant table: run --format csv-wide and query --instant', () => {
  const state = stackState();
  const dir = mkdtempSync(join(tmpdir(), 'promnote-instant-'));
  const file = join(dir, 'right-now.md');
  writeFileSync(file, REPORT);
  const cli = (args) =>
    spawnSync(PROMNOTE, ['--grafana', state.grafana_url, ...args], {
      encoding: 'utf8',
      timeout: 120_000,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, GRAFANA_TOKEN: state.token },
    });
  const run = cli(['run', file, '--cell', 'Hubs', '--format', 'csv-wide']);
  expect(run.status, run.stderr).toBe(0);
  const lines = run.stdout.trim().split(/\r\n/);
  expect(lines[0]).toBe('Hub,Doubled,datasource,Value #A');
  const expected = yesterdaysHubs().map((s) => `${s.namespace},${2 * s.value},${s.datasource},${s.value}`).sort();
  expect(lines.slice(1).sort()).toEqual(expected);

  const query = cli(['query', HUBS, '--instant', '--from', 'now-7d/d', '--to', 'now-1d/d', '--format', 'csv-wide']);
  expect(query.status, query.stderr).toBe(0);
  const queried = query.stdout.trim().split(/\r\n/);
  expect(queried[0]).toBe('datasource,namespace,Value');
  expect(queried.slice(1).sort()).toEqual(yesterdaysHubs().map((s) => `${s.datasource},${s.namespace},${s.value}`).sort());
});
