// Two real community dashboards, ingress-nginx's and HAProxy Ingress' own, picked from the
// Grafana-compatible server's list and run against the stack (whose clusters run those
// controllers: dev/demo_data.py). What each panel computed in Grafana is worked out here
// from Prometheus' answers to the page's own requests, re-sent by the test, and from the
// dashboard's JSON: an instant table's rows (a row per series, a column per query, joined
// on their labels), a stat's mean, a stat's colour from its steps, threshold lines, a
// heatmap of buckets.
import { readFileSync } from 'node:fs';
import { test, expect } from '@playwright/test';
import { GRAFANA_PORT } from '../playwright.config.mjs';
import {
  openAndConnect, watchConsole, allCellsSettled, recordQueries, lastPerDatasource, resend, datasourceNames, expectTableNumber, heatmapTrace, expectHeatmap,
} from './support.mjs';

const SITE = `http://127.0.0.1:${GRAFANA_PORT}/`;
const FIXTURES = 'crates/promnote-core/tests/dashboards';
// Grafana's palette (its default theme) for the shades these dashboards name.
const GRAFANA = { 'dark-green': '#37872d', 'dark-orange': '#fa6400', 'dark-red': '#c4162a', red: '#f2495c' };

let console_;
test.beforeEach(async ({ page }) => {
  console_ = watchConsole(page);
});
test.afterEach(async () => {
  console_.assertNoPanic();
});

/** Opens the dashboard `title` from the connected Grafana's list and waits for every cell;
 * each must draw, or say there is no data. */
async function openFromList(page, title) {
  await openAndConnect(page, SITE);
  await expect(page.getByTestId('datasource-summary')).toContainText('3 ok', { timeout: 30_000 });
  await page.getByTestId('import-dashboard').click();
  await page.getByTestId('dashboard-list').getByTestId('dashboard').filter({ hasText: title }).click();
  await expect(page.getByTestId('report-title')).toHaveText(title);
  await allCellsSettled(page);
  const states = await page.evaluate(() =>
    [...document.querySelectorAll('[data-testid=cell]')].map((c) => ({
      title: c.querySelector('[data-testid=cell-title]')?.textContent,
      state: c.dataset.state,
      said: c.querySelector('[data-testid=error]')?.textContent ?? '',
    })),
  );
  for (const { title: cell, state, said } of states) {
    expect(['drawn', 'empty'], `${cell}: ${said}`).toContain(state);
    if (state === 'empty') expect(said, cell).toContain('No data for this range');
  }
  return states;
}

const cellTitled = (page, title) => page.getByTestId('cell').filter({ has: page.getByTestId('cell-title').getByText(title, { exact: true }) });

/** A panel's JSON in the fixture, by title. */
function panelOf(file, title) {
  const all = [];
  const walk = (panels) => panels.forEach((p) => (p.type === 'row' ? walk(p.panels ?? []) : all.push(p)));
  walk(JSON.parse(readFileSync(`${FIXTURES}/${file}`, 'utf8')).panels);
  return all.find((p) => p.title === title);
}

/** The colour Grafana gives `value` from a panel's steps: the last step at or below it. */
function stepColour(panel, value) {
  let colour = null;
  for (const step of panel.fieldConfig.defaults.thresholds.steps) {
    if (step.value === null || value >= step.value) colour = step.color;
  }
  return GRAFANA[colour];
}

/** The cell's table: header and body rows as text. */
async function tableText(cell) {
  return cell.locator('[data-testid=table] table').evaluate((t) => ({
    head: [...t.tHead.rows[0].cells].map((c) => c.textContent),
    rows: [...t.tBodies[0].rows].map((r) => [...r.cells].map((c) => c.textContent)),
    colours: [...t.tBodies[0].rows].map((r) => [...r.cells].map((c) => c.dataset.colour ?? null)),
  }));
}

test('ingress-nginx\'s dashboard: the instant table, a stat\'s mean and the latency heatmap are what Grafana computes', async ({ page }) => {
  test.setTimeout(120_000);
  const sent = recordQueries(page);
  const names = await datasourceNames();
  await openFromList(page, 'NGINX Ingress controller');

  // The instant table: one row per datasource and ingress, a value column per query (A–E),
  // each the query's value at the range's end.
  const table = tableText(cellTitled(page, 'Ingress Percentile Response Times and Transfer Rates'));
  const parts = [
    (q) => q.startsWith('histogram_quantile(0.50') && q.includes('by (le, ingress)'),
    (q) => q.startsWith('histogram_quantile(0.90') && q.includes('by (le, ingress)'),
    (q) => q.startsWith('histogram_quantile(0.99') && q.includes('by (le, ingress)'),
    (q) => q.startsWith('sum(irate(nginx_ingress_controller_request_size_sum') && q.includes('by (ingress)'),
    (q) => q.startsWith('sum(irate(nginx_ingress_controller_response_size_sum') && q.includes('by (ingress)'),
  ];
  const rows = new Map();
  for (const [i, part] of parts.entries()) {
    const requests = lastPerDatasource(sent, (r) => r.kind === 'query' && part(r.query));
    expect(requests.length, `query ${'ABCDE'[i]} asked every datasource`).toBe(3);
    for (const r of requests) {
      for (const series of (await resend(r)).result) {
        const key = `${names[r.uid]}|${series.metric.ingress}`;
        const row = rows.get(key) ?? [null, null, null, null, null];
        row[i] = Number(series.value[1]);
        rows.set(key, row);
      }
    }
  }
  const shown = await table;
  expect(shown.head).toEqual(['datasource', 'ingress', 'Value #A', 'Value #B', 'Value #C', 'Value #D', 'Value #E']);
  expect(rows.size, 'an ingress per hub on the nginx clusters').toBeGreaterThan(4);
  expect(shown.rows.map((r) => `${r[0]}|${r[1]}`).sort()).toEqual([...rows.keys()].sort());
  for (const row of shown.rows) {
    const want = rows.get(`${row[0]}|${row[1]}`);
    want.forEach((v, i) => expectTableNumber(row[2 + i], v, `${row[0]} ${row[1]} ${'ABCDE'[i]}`));
  }

  // A stat's calculation: the mean of the range's values, per datasource; the panel's colour
  // mode is "none", so the value is not coloured (as in Grafana).
  const volume = cellTitled(page, 'Controller Request Volume');
  const stat = await tableText(volume);
  expect(stat.head).toEqual(['series', 'mean (ops)']);
  const means = new Map();
  const volume_ = (q) => q.startsWith('round(sum(irate(nginx_ingress_controller_requests{') && !q.includes('by (ingress)');
  for (const r of lastPerDatasource(sent, (x) => x.kind === 'query_range' && volume_(x.query))) {
    // cluster-west runs HAProxy Ingress: its Prometheus has no such series, and no row.
    const values = (await resend(r)).result.flatMap((s) => s.values.map(([, v]) => Number(v)));
    if (values.length) means.set(names[r.uid], values.reduce((a, b) => a + b, 0) / values.length);
  }
  expect(means.size, 'the nginx clusters').toBe(2);
  expect(stat.rows.map((r) => r[0]).sort()).toEqual([...means.keys()].sort());
  for (const [name, mean] of stat.rows) expectTableNumber(mean, means.get(name), `${name}'s mean`);
  expect(stat.colours.flat().filter(Boolean)).toEqual([]);

  // The heatmap: each bucket's cells are what fell in it, ingress-nginx's default buckets.
  const heatmap = cellTitled(page, 'Ingress Request Latency Heatmap (Ingress Namespaces)');
  const answers = [];
  for (const r of lastPerDatasource(sent, (x) => x.kind === 'query_range' && x.query.startsWith('sum(increase(nginx_ingress_controller_request_duration_seconds_bucket'))) {
    answers.push({ uid: r.uid, data: await resend(r) });
  }
  const trace = await heatmapTrace(heatmap);
  expect(expectHeatmap(trace, answers)).toEqual([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, Infinity]);
  expect(trace.y[0]).toBe('≤ 0.005');
  expect(trace.y.at(-1)).toBe('&gt; 10');
  await heatmap.scrollIntoViewIfNeeded();
  await heatmap.screenshot({ path: 'target/e2e-results/ingress-nginx-heatmap.png' });
});

test('HAProxy Ingress\' dashboard: a stat coloured by its steps, threshold lines and the certificates\' instant table', async ({ page }) => {
  test.setTimeout(120_000);
  const sent = recordQueries(page);
  await openFromList(page, 'HAProxy Ingress');

  // "Certificate expiring": days to the first expiry, at the range's end, on its step's colour.
  const expiring = cellTitled(page, 'Certificate expiring');
  // Only cluster-west runs HAProxy Ingress: one datasource answers.
  const answered = [];
  for (const r of lastPerDatasource(sent, (x) => x.kind === 'query' && x.query.startsWith('(min(haproxyingress_cert_expire_date_epoch)'))) {
    answered.push(...(await resend(r)).result);
  }
  expect(answered).toHaveLength(1);
  const days = Number(answered[0].value[1]);
  expect(days, 'the generator\'s certificate that expires soonest').toBeGreaterThan(11);
  const stat = await tableText(expiring);
  expect(stat.head).toEqual(['series', 'last (days)']);
  expect(stat.rows.map((r) => r[0])).toEqual(['cluster-west']);
  expectTableNumber(stat.rows[0][1], days, 'days to the first expiry');
  const colour = stepColour(panelOf('haproxy-ingress.json', 'Certificate expiring'), days);
  expect(colour).toBe(GRAFANA['dark-orange']);
  expect(stat.colours[0][1]).toBe(colour);

  // "HAProxy process use": the series as Prometheus answers it, and a line (and a band) at
  // each of the panel's steps, in its colour.
  const use = cellTitled(page, 'HAProxy process use');
  const ranged = lastPerDatasource(sent, (r) => r.kind === 'query_range' && r.query.startsWith('rate(haproxyingress_haproxy_processing_seconds_total'));
  const points = new Map();
  for (const r of ranged) for (const s of (await resend(r)).result) for (const [t, v] of s.values) points.set(t, Number(v));
  const drawn = await use.getByTestId('chart').evaluate((c) => ({
    y: c.data.flatMap((t) => [...t.y].filter((v) => v !== null)),
    shapes: (c.layout.shapes ?? []).map((s) => ({ type: s.type, y0: s.y0, y1: s.y1, line: s.line?.color ?? null, fill: s.fillcolor ?? null })),
  }));
  const values = [...points.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v);
  expect(drawn.y.length).toBe(values.length);
  drawn.y.forEach((v, i) => expect(v).toBeCloseTo(values[i], 9));
  const steps = panelOf('haproxy-ingress.json', 'HAProxy process use').fieldConfig.defaults.thresholds.steps.filter((s) => s.color !== 'transparent');
  expect(steps.map((s) => s.value)).toEqual([0.6, 0.8]);
  const lines = drawn.shapes.filter((s) => s.type === 'line');
  expect(lines).toEqual(steps.map((s) => ({ type: 'line', y0: s.value, y1: s.value, line: GRAFANA[s.color], fill: null })));
  // A band from each step to the next, the last one up to the largest value (none when
  // every value is below its step: bands never stretch the axis).
  const bands = drawn.shapes.filter((s) => s.type === 'rect').map((b) => [b.y0, b.y1]);
  const top = Math.max(...values);
  expect(bands).toEqual(top > 0.8 ? [[0.6, 0.8], [0.8, top]] : [[0.6, 0.8]]);
  await expect(use.getByTestId('chart-summary')).toContainText('Thresholds drawn at 0.6 (dark-orange), 0.8 (dark-red).');

  // "Certificate expiration": an instant table, a row per certificate.
  const certs = await tableText(cellTitled(page, 'Certificate expiration'));
  const want = new Map();
  for (const r of lastPerDatasource(sent, (x) => x.kind === 'query' && x.query.startsWith('min(1000*haproxyingress_cert_expire_date_epoch'))) {
    for (const series of (await resend(r)).result) want.set(series.metric.cn, Number(series.value[1]));
  }
  expect(want.size).toBe(3);
  expect(certs.head).toEqual(['cn', 'Value']);
  expect(certs.rows.map((r) => r[0]).sort()).toEqual([...want.keys()].sort());
  for (const [cn, value] of certs.rows) expectTableNumber(value, want.get(cn), cn);
  await use.scrollIntoViewIfNeeded();
  await use.screenshot({ path: 'target/e2e-results/haproxy-process-use.png' });
});
