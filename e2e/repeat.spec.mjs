// One cell per value (`repeat=hub`) end to end, against the real stack: a repeat per
// value of the variable, in its order, each titled with its value and holding exactly
// that hub's numbers from every cluster; the choice of values, share links and both of
// promnote's CSV layouts carry the repeats. Expected values come from the data generator.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect } from '@playwright/test';
import { GRAFANA_PORT } from '../playwright.config.mjs';
import { allCellsSettled, openReportFile, stackState, watchConsole } from './support.mjs';

const SITE = `http://127.0.0.1:${GRAFANA_PORT}/`;
const PROMNOTE = process.env.PROMNOTE_BIN ?? 'target/debug/promnote';
const REPORT = `---
format: 1
title: Per hub
time:
  from: now-7d/d
  to: now-1d/d
variables:
  - name: hub
    query: label_values(jupyterhub_active_users{period="24h"}, namespace)
    multi: true
    all: true
    default: All
---

\`\`\`promql title="Daily users" step=1d repeat=hub legend="{{datasource}}"
max by (namespace) (jupyterhub_active_users{period="24h", namespace=~"$hub"})
\`\`\`
`;

let console_;
test.beforeEach(async ({ page }) => {
  console_ = watchConsole(page);
});
test.afterEach(async ({ page }) => {
  console_.assertNoPanic();
});

/** Each repeat: its value, title, state and traces. */
async function repeats(page) {
  return page.getByTestId('repeat').evaluateAll((all) =>
    all.map((r) => {
      const chart = r.querySelector('[data-testid=chart]');
      return {
        value: r.dataset.value,
        title: r.querySelector('[data-testid=repeat-title]').textContent,
        state: r.dataset.state,
        traces: chart && Array.isArray(chart.data) ? chart.data.map((t) => ({ name: t.name, x: [...t.x], y: [...t.y] })) : [],
      };
    }),
  );
}

/** Every repeat holds its hub's values from every cluster, day by day, as generated. */
function expectHubs(shown) {
  const expected = stackState().expected.series;
  let checked = 0;
  for (const r of shown) {
    expect(r.title).toBe(`Daily users — ${r.value}`);
    expect(r.state).toBe('drawn');
    const hubs = expected.filter((s) => s.namespace === r.value);
    expect(r.traces.map((t) => t.name).sort()).toEqual(
      hubs.filter((s) => r.traces.some((t) => t.name === s.datasource)).map((s) => s.datasource).sort(),
    );
    for (const trace of r.traces) {
      const series = hubs.find((s) => s.datasource === trace.name);
      trace.x.forEach((day, i) => {
        expect(trace.y[i], `${r.value} on ${trace.name}, ${day}`).toBe(series.daily[day.slice(0, 10)] ?? null);
        checked += 1;
      });
    }
  }
  expect(checked).toBeGreaterThan(0);
}

const openReport = (page) => openReportFile(page, SITE, { name: 'per-hub.md', markdown: REPORT, title: 'Per hub' });

test('a repeated cell draws one chart per value of its variable, each with exactly its hub\'s numbers', async ({ page }) => {
  await openReport(page);
  const hub = page.locator('[data-testid=variable][data-name=hub]');
  const listed = (await hub.locator('option').evaluateAll((os) => os.map((o) => o.value))).filter((v) => v !== '$__all');
  expect(listed.length).toBeGreaterThan(5);
  const all = await repeats(page);
  // One repeat per listed value, in the variable's order.
  expect(all.map((r) => r.value)).toEqual(listed);
  expectHubs(all);
  // Two values chosen: two repeats, in the variable's order, and only they are asked.
  const chosen = [listed[3], listed[0]];
  await hub.selectOption(chosen);
  await expect(page.getByTestId('repeat')).toHaveCount(2);
  await allCellsSettled(page);
  const two = await repeats(page);
  expect(two.map((r) => r.value)).toEqual([listed[0], listed[3]]);
  expectHubs(two);
  // A share link carries the choice, and so the repeats.
  await page.getByTestId('share').click();
  const link = await page.getByTestId('share-link').inputValue();
  await page.goto('about:blank');
  await page.goto(link);
  await expect(page.getByTestId('report-title')).toHaveText('Per hub');
  const kept = await page.locator('[data-testid=variable][data-name=hub]').evaluate((s) => [...s.selectedOptions].map((o) => o.value));
  expect(kept.sort()).toEqual([...chosen].sort());
});

test('promnote runs a repeated cell once per value: the tidy CSV\'s repeat column, and one wide table per value', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'promnote-repeat-'));
  const file = join(dir, 'per-hub.md');
  writeFileSync(file, REPORT);
  const state = stackState();
  const run = (...args) =>
    spawnSync(PROMNOTE, ['--grafana', state.grafana_url, 'run', file, ...args], {
      encoding: 'utf8',
      timeout: 120_000,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, GRAFANA_TOKEN: state.token },
    });
  const tidy = run('--format', 'csv');
  expect(tidy.status, tidy.stderr).toBe(0);
  const [head, ...rows] = tidy.stdout.split('\r\n').filter(Boolean).map((l) => l.split(','));
  expect(head.slice(0, 3)).toEqual(['cell', 'repeat', 'time']);
  const at = (name) => head.indexOf(name);
  expect(rows.every((r) => r[at('cell')] === 'Daily users' && r[at('repeat')] === r[at('namespace')])).toBe(true);
  const expected = state.expected.series;
  for (const r of rows) {
    const series = expected.find((s) => s.datasource === r[at('datasource')] && s.namespace === r[at('namespace')]);
    const day = new Date(Date.parse(r[at('time')]) - 86_400_000).toISOString().slice(0, 10);
    expect(Number(r[at('value')]), `${r[at('repeat')]} ${r[at('datasource')]} ${day}`).toBe(series.daily[day]);
  }
  expect(new Set(rows.map((r) => r[at('repeat')])).size).toBeGreaterThan(5);
  // One wide table is one repeat: pick a value, or write a file per repeat.
  const wide = run('--format', 'csv-wide');
  expect(wide.status).toBe(2);
  expect(wide.stderr).toContain('csv-wide is one table per repeat');
  const staging = run('--format', 'csv-wide', '--var', 'hub=staging');
  expect(staging.status, staging.stderr).toBe(0);
  expect(staging.stdout.split('\r\n')[0]).toBe('day,cluster-north,cluster-south');
  const json = JSON.parse(run('--format', 'json').stdout);
  expect(json.cells.every((c) => c.title === `Daily users — ${c.repeat}`)).toBe(true);
});

test('repeat= names a variable of several values, or the report says which line is wrong', async ({ page }) => {
  await page.goto(SITE);
  await page.getByTestId('open-file').setInputFiles({
    name: 'bad.md',
    mimeType: 'text/markdown',
    buffer: Buffer.from(REPORT.replace('    multi: true\n    all: true\n    default: All\n', '')),
  });
  await expect(page.getByTestId('error').first()).toContainText('bad.md is not a report promnote can read: line 12: repeat=hub: $hub holds one value at a time');
});
