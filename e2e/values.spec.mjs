// Values in prose (`{promql} EXPR`) end to end, against the real stack: each is an
// instant query at the end of the report's range on every datasource it asks, combined
// by its aggregate and written with its unit. Expected numbers come from the data
// generator (each hub's value at every midnight), or from Prometheus itself.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect } from '@playwright/test';
import { GRAFANA_PORT } from '../playwright.config.mjs';
import { allCellsSettled, openAndConnect, openReportFile, proseValues, stackState, watchConsole } from './support.mjs';

const SITE = `http://127.0.0.1:${GRAFANA_PORT}/`;
const PROMNOTE = process.env.PROMNOTE_BIN ?? 'target/debug/promnote';
const HUBS = (selector) => `max by (namespace) (jupyterhub_active_users{period="24h"${selector}})`;

// Ends at the end of yesterday: every value is evaluated at today's midnight (UTC), where
// the generator knows every hub's number (its `daily` value for yesterday).
const REPORT = `---
format: 1
title: Values
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

Yesterday \`{promql} sum(${HUBS(', namespace=~"$hub"')})\` people used
\`{promql aggregate=count} ${HUBS(', namespace=~"$hub"')}\` hubs. The busiest had
\`{promql aggregate=max} ${HUBS(', namespace=~"$hub"')}\`, the quietest
\`{promql aggregate=min} ${HUBS(', namespace=~"$hub"')}\`, the mean was
\`{promql aggregate=mean decimals=1} ${HUBS(', namespace=~"$hub"')}\`.

On cluster-north alone: \`{promql datasources=cluster-north} sum(${HUBS('')})\`; as a share of
a thousand: \`{promql unit=percent decimals=2 datasources=cluster-north} sum(${HUBS('')}) / 10\`.

A broken query: \`{promql} sum(rate(\`. Nothing matches: \`{promql} sum(no_such_metric)\`.
Not a value: \`{promql}\` is code.

\`\`\`promql title="Users" step=1d
sum(${HUBS(', namespace=~"$hub"')})
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

/** Checks shown texts against `expected` from [`expectedValues`]. */
function expectTexts(texts, expected) {
  expect(texts.length).toBe(expected.length);
  texts.forEach((text, i) => {
    if (typeof expected[i] === 'number') {
      expect(text, `value ${i}`).toMatch(/^[\d,]+\.\d$/);
      expect(Math.abs(Number(text.replaceAll(',', '')) - expected[i]), `value ${i}: ${text}`).toBeLessThanOrEqual(0.05 + 1e-9);
    } else {
      expect(text, `value ${i}`).toBe(expected[i]);
    }
  });
}

/** Numbers as promnote writes them: thousands separated, at most `max` decimals. */
function written(n, { min = 0, max = 2 } = {}) {
  return n.toLocaleString('en-US', { minimumFractionDigits: min, maximumFractionDigits: max });
}

/** What the generator says each value is, when evaluated at `atMs` (a UTC midnight),
 * for the hubs `hubs` (all when absent): the text each shows, but the mean's number. */
function expectedValues(atMs, hubs) {
  const day = new Date(atMs - 86_400_000).toISOString().slice(0, 10);
  const series = stackState().expected.series.filter((s) => s.daily[day] !== undefined);
  const chosen = series.filter((s) => !hubs || hubs.includes(s.namespace));
  const values = chosen.map((s) => s.daily[day]);
  const north = series.filter((s) => s.datasource === 'cluster-north').reduce((a, s) => a + s.daily[day], 0);
  const sum = values.reduce((a, v) => a + v, 0);
  return [
    written(sum),
    written(values.length),
    written(Math.max(...values)),
    written(Math.min(...values)),
    sum / values.length, // the mean: compared as a number (rounding ties differ by language)
    written(north),
    `${written(north / 10, { min: 2, max: 2 })} %`,
  ];
}

const openReport = (page) => openReportFile(page, SITE, { name: 'values.md', markdown: REPORT, title: 'Values' });

test('values in prose equal the generator\'s numbers: aggregates, units, a datasource, and failures said beside them', async ({ page }) => {
  await openReport(page);
  const values = await proseValues(page);
  expect(values).toHaveLength(9);
  const at = values[0].at;
  expect(new Date(at).toISOString()).toMatch(/T00:00:00\.000Z$/);
  expect(values.slice(0, 7).map((v) => v.state)).toEqual(Array(7).fill('shown'));
  expect(values.slice(0, 7).every((v) => v.at === at)).toBe(true);
  expectTexts(values.slice(0, 7).map((v) => v.text), expectedValues(at));
  // A broken query and an empty answer read "—" with the reason, focusable; the rest of
  // the report is drawn.
  expect(values.slice(7).map((v) => v.state)).toEqual(['error', 'error']);
  const reasons = page.locator('[data-testid=value] .value-why');
  await expect(reasons.nth(0)).toContainText('parse error');
  await expect(reasons.nth(1)).toContainText('matched nothing');
  await reasons.nth(0).focus();
  await expect(reasons.nth(0)).toBeFocused();
  await expect(page.getByTestId('cell').first()).toHaveAttribute('data-state', 'drawn');
  // `{promql}` alone is code, as typed.
  await expect(page.getByTestId('prose').locator('code')).toHaveText(['{promql}']);

  // One hub chosen: the values that use $hub are asked again, the others keep theirs.
  await page.locator('[data-testid=variable][data-name=hub]').selectOption(['prod']);
  await expect(page.locator('[data-testid=value] .value-text').nth(1)).toHaveText(expectedValues(at, ['prod'])[1]);
  await allCellsSettled(page);
  const prod = await proseValues(page);
  expectTexts(prod.slice(0, 7).map((v) => v.text), [...expectedValues(at, ['prod']).slice(0, 5), ...expectedValues(at).slice(5)]);
});

test('a value written while editing is worked out when the text is done; the Markdown keeps the span', async ({ page }) => {
  await openReport(page);
  const block = page.getByTestId('prose').first();
  await block.getByTestId('edit-text').click();
  const source = block.getByTestId('prose-source');
  await expect(source).toHaveValue(/`\{promql\} sum\(max by \(namespace\)/);
  await source.fill('Hubs on cluster-south: `{promql aggregate=count datasources=cluster-south} ' + HUBS('') + '`.');
  await block.getByTestId('edit-text').click();
  const value = block.locator('[data-testid=value] .value-text');
  await expect(value).toHaveAttribute('data-state', 'shown');
  const at = Number(await value.getAttribute('data-at'));
  const day = new Date(at - 86_400_000).toISOString().slice(0, 10);
  const south = stackState().expected.series.filter((s) => s.datasource === 'cluster-south' && s.daily[day] !== undefined);
  await expect(value).toHaveText(String(south.length));
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-md').click()]);
  const { readFileSync } = await import('node:fs');
  expect(readFileSync(await download.path(), 'utf8')).toContain('`{promql aggregate=count datasources=cluster-south} max by (namespace)');
});

test('a value that does not parse is an error that names its line', async ({ page }) => {
  await page.goto(SITE);
  await page.getByTestId('open-file').setInputFiles({
    name: 'bad.md',
    mimeType: 'text/markdown',
    buffer: Buffer.from('---\nformat: 1\n---\n\nFine.\n\nUsers: `{promql aggregate=median} sum(up)`.\n'),
  });
  await expect(page.getByTestId('error').first()).toContainText('bad.md is not a report promnote can read: line 7: unknown aggregate `median`');
});

test('promnote run --format json lists the same values the page shows', async ({ page }) => {
  await openReport(page);
  const shown = await proseValues(page);
  const dir = mkdtempSync(join(tmpdir(), 'promnote-values-'));
  const file = join(dir, 'values.md');
  writeFileSync(file, REPORT);
  const state = stackState();
  const result = spawnSync(PROMNOTE, ['--grafana', state.grafana_url, 'run', file, '--format', 'json'], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, GRAFANA_TOKEN: state.token },
  });
  // Two values fail (a parse error, nothing matched): the run is partial, and says which.
  expect(result.status, result.stderr).toBe(1);
  expect(result.stderr).toContain('the value `{promql} sum(rate(`');
  const { values } = JSON.parse(result.stdout);
  expect(values.map((v) => v.span)).toHaveLength(9);
  const at = Date.parse(values[0].evaluated_at);
  expectTexts(values.slice(0, 7).map((v) => v.text), expectedValues(at));
  // The same day as the page (unless midnight passed between the two): the same text.
  if (at === shown[0].at) expect(values.map((v) => v.text ?? '—')).toEqual(shown.map((v) => (v.state === 'shown' ? v.text : '—')));
  expect(values[7].error).toContain('parse error');
  expect(values[8].error).toContain('matched nothing');
  expect(values[0].query).toBe(`sum(${HUBS(', namespace=~".*"')})`);
});

test('the Hub activity headline shows what Prometheus answers at its time, on every cluster', async ({ page }) => {
  await openAndConnect(page, SITE, { path: '#/hub-activity' });
  await allCellsSettled(page);
  const values = await proseValues(page);
  expect(values.map((v) => v.state)).toEqual(['shown', 'shown']);
  const state = stackState();
  let users = 0;
  let hubs = 0;
  for (const prom of state.prometheus.filter((p) => p.name.startsWith('cluster-'))) {
    const params = new URLSearchParams({ query: HUBS(''), time: (values[0].at / 1000).toFixed(3) });
    const body = await (await fetch(`http://127.0.0.1:${prom.port}/api/v1/query?${params}`)).json();
    expect(body.status).toBe('success');
    users += body.data.result.reduce((a, s) => a + Number(s.value[1]), 0);
    hubs += body.data.result.length;
  }
  expect(values[0].number).toBe(users);
  expect(values[1].number).toBe(hubs);
  expect(values[1].text).toBe(String(hubs));
});
