// The hub-activity report end to end: the built site, real Prometheus, the
// Grafana-compatible server, headless Chromium.
import { readFileSync } from 'node:fs';
import { test, expect } from '@playwright/test';
import { GRAFANA_PORT, STATIC_PORT } from '../playwright.config.mjs';
import { BUILT_IN_REPORTS, ReportPage, stackState, watchConsole, watchAuthorization, stopPrometheus, extraGrafana, expectedName, expectDrawn, allCellsSettled } from './support.mjs';

const SITE = `http://127.0.0.1:${GRAFANA_PORT}/`;

/** Opens the site, connects to the stack's Grafana and waits for the chart. */
async function drawnReport(page) {
  const state = stackState();
  const report = new ReportPage(page);
  await report.open(SITE);
  await report.connect(state.grafana_url, state.token);
  await report.waitDrawn();
  return { state, report };
}

let console_;
test.beforeEach(async ({ page }) => {
  console_ = watchConsole(page);
});
test.afterEach(async () => {
  console_.assertNoPanic();
});

test('connect lists the three Prometheus datasources and draws one trace per cluster and hub with the generated values', async ({ page }) => {
  const state = stackState();
  const report = new ReportPage(page);
  await report.open(SITE);
  await report.connect(state.grafana_url, state.token);
  await expect(report.datasources).toHaveCount(4);
  await report.waitDrawn();
  expect(await report.statusByName()).toEqual({ 'cluster-north': 'ok', 'cluster-south': 'ok', 'cluster-west': 'ok', Logs: 'unsupported' });
  await expect(page.locator('[data-testid=datasource][data-status=unsupported]')).toContainText('a loki datasource, not Prometheus');
  await expect(page.getByTestId('datasource-summary')).toHaveText('3 datasources: 3 ok; 1 not queried');
  // Said only once the datasource list answered.
  await expect(page.getByTestId('connected')).toHaveText(`Connected to ${state.grafana_url}/`);

  const expected = state.expected.series;
  const traces = await report.traces();
  expect(traces.map((t) => t.name).sort()).toEqual(expected.map((s) => expectedName(s, expected)).sort());
  expect(traces.map((t) => t.name)).toContain('cluster-north / staging');
  expect(traces.map((t) => t.name)).toContain('cluster-south / staging');

  let checked = 0;
  for (const series of expected) {
    const trace = traces.find((t) => t.name === expectedName(series, expected));
    const days = trace.x.slice(0, -1); // the last bar is today, partial
    expect(days.length).toBeGreaterThanOrEqual(28);
    days.forEach((day, i) => {
      const want = series.daily[day] ?? null;
      expect(trace.y[i], `${trace.name} on ${day}`).toBe(want);
      checked += 1;
    });
    expect(trace.y.at(-1), `${trace.name} today so far`).not.toBeNull();
  }
  expect(checked).toBeGreaterThan(250);

  // Ordered by total, largest first.
  const totals = traces.map((t) => t.y.reduce((a, v) => a + (v ?? 0), 0));
  expect([...totals].sort((a, b) => b - a)).toEqual(totals);
  // Bars are whole calendar days, the last one the day the report was evaluated in.
  const evaluatedAt = Number(await report.cell.getAttribute('data-evaluated-at'));
  expect(traces[0].x.at(-1)).toBe(new Date(evaluatedAt).toISOString().slice(0, 10));

  await page.screenshot({ path: 'target/e2e-results/hub-activity.png', fullPage: true });
});

test('a wrong token shows the 401 message and no chart', async ({ page }) => {
  const state = stackState();
  const report = new ReportPage(page);
  await report.open(SITE);
  await report.connect(state.grafana_url, 'glsa_not_a_real_token');
  await expect(report.errors.first()).toContainText('Grafana refused the token');
  await expect(report.errors.first()).toContainText('Invalid API key');
  await expect(report.datasources).toHaveCount(0);
  // A refused token is not a connection.
  await expect(page.getByTestId('connected')).toHaveCount(0);
  await expect(page.getByTestId('connecting')).toHaveCount(0);
  // The connection failed, so no cell ran.
  await expect(report.cell).toHaveAttribute('data-state', 'idle');
  expect(await page.evaluate(() => document.querySelector('[data-testid=chart] .main-svg'))).toBeNull();
});

test('reconnecting with a bad token clears the previous chart', async ({ page }) => {
  const { state, report } = await drawnReport(page);
  await report.connect(state.grafana_url, 'glsa_revoked_token');
  await expect(report.errors.first()).toContainText('the token has been revoked');
  await expect(report.cell).toHaveAttribute('data-state', 'idle');
  await expect.poll(() => page.evaluate(() => document.querySelector('[data-testid=chart] .main-svg'))).toBeNull();
});

test('one Prometheus stopped: its datasource shows the error, the others still draw', async ({ page }) => {
  const state = stackState();
  const restart = await stopPrometheus('prom-west');
  try {
    const report = new ReportPage(page);
    await report.open(SITE);
    await report.connect(state.grafana_url, state.token);
    await report.waitDrawn();
    expect(await report.statusByName()).toEqual({ 'cluster-north': 'ok', 'cluster-south': 'ok', 'cluster-west': 'error', Logs: 'unsupported' });
    const cellError = report.cell.getByTestId('error');
    await expect(cellError).toHaveCount(1);
    await expect(cellError).toContainText('cluster-west');
    await expect(cellError).toContainText('502 Bad Gateway');
    // The problems column appeared after the first draw: the chart must make room for it.
    await expect
      .poll(async () => {
        const chart = await page.locator('[data-testid=chart] .main-svg').first().boundingBox();
        const side = await page.locator('.cell-side').boundingBox();
        const below = await page.getByTestId('download-csv').boundingBox();
        return chart.x + chart.width <= side.x + 1 && chart.y + chart.height <= below.y + 1;
      })
      .toBe(true);
    await page.screenshot({ path: 'target/e2e-results/one-datasource-down.png', fullPage: true });
    const names = (await report.traces()).map((t) => t.name);
    expect(names).toContain('prod');
    expect(names.some((n) => ['ocean-hub', 'data-camp', 'astro'].includes(n))).toBe(false);
    // Once it is back, Retry brings its hubs in.
    await restart();
    // Retry reconnects and runs the cell again: wait for that run, not the old chart.
    const runs = await report.runs();
    await report.cell.getByTestId('retry').click();
    await expect.poll(() => report.runs()).toBeGreaterThan(runs);
    await report.waitDrawn();
    await expect.poll(async () => (await report.statusByName())['cluster-west']).toBe('ok');
    await expect.poll(async () => (await report.traces()).map((t) => t.name)).toContain('ocean-hub');
  } finally {
    await restart().catch(() => {});
  }
});

test('the demo-data mode renders under a sub-path without any server behind it', async ({ page }) => {
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  const report = new ReportPage(page);
  await report.open(`http://127.0.0.1:${STATIC_PORT}/promnote/`);
  await report.demoButton.click();
  await report.waitDrawn();
  await expect(report.datasources).toHaveCount(4);
  const traces = await report.traces();
  expect(traces.length).toBe(10);
  expect(traces.map((t) => t.name)).toContain('cluster-south / staging');
  // The variable's values are part of the recording too.
  await expect(page.locator('[data-testid=variable] option')).toHaveCount(10); // All + 9 hub names
  // Every built-in report replays, with data in every cell.
  for (const id of BUILT_IN_REPORTS.slice(1)) {
    await page.locator(`[data-testid=report-link][data-report=${id}]`).click();
    await expect(page.getByTestId('report')).toHaveAttribute('data-report', id);
    await expect(page.locator('[data-testid=cell]:not([data-state=drawn])')).toHaveCount(0);
    await expect(page.locator('.variable .muted')).toHaveCount(0);
  }
  const outside = requests.filter((u) => !u.startsWith(`http://127.0.0.1:${STATIC_PORT}/promnote/`));
  expect(outside, 'the static site loads nothing from elsewhere').toEqual([]);
  await page.screenshot({ path: 'target/e2e-results/demo-data.png', fullPage: true });
});

test('older Grafana: /api/datasources answers 403, the list comes from /api/frontend/settings (cross-origin, CORS added by a reverse proxy)', async ({ page }) => {
  const state = stackState();
  const grafana = await extraGrafana(3101, ['--datasources-forbidden', '--cors-origin', `http://127.0.0.1:${GRAFANA_PORT}`]);
  try {
    const report = new ReportPage(page);
    await report.open(SITE);
    await report.connect(grafana.url, state.token);
    await report.waitDrawn();
    expect(await report.statusByName()).toEqual({ 'cluster-north': 'ok', 'cluster-south': 'ok', 'cluster-west': 'ok', Logs: 'unsupported' });
  } finally {
    await grafana.stop();
  }
});

test('a Grafana on another origin without CORS headers: the message says CORS, not "down"', async ({ page }) => {
  const state = stackState();
  const grafana = await extraGrafana(3102, []);
  try {
    const report = new ReportPage(page);
    await report.open(SITE);
    await report.connect(grafana.url, state.token);
    await expect(report.errors.first()).toContainText('blocked this page from reading its answers');
    await expect(report.errors.first()).toContainText('Run `promnote serve --grafana http://127.0.0.1:3102/` on your computer');
    await expect(report.errors.first()).toContainText(`http://127.0.0.1:${GRAFANA_PORT}`);
    // The help panel: the four ways out, with this page's origin filled in.
    const help = page.getByTestId('cors-help');
    await expect(help).toBeVisible();
    await expect(help).toContainText(`Grafana at http://127.0.0.1:3102 is up`);
    await expect(help).toContainText('Host promnote on Grafana\'s own origin');
    await expect(help).toContainText('promnote serve --grafana http://127.0.0.1:3102/');
    await expect(help).toContainText('trunk serve --proxy-backend=http://127.0.0.1:3102/api/ --proxy-rewrite=/api/');
    await help.getByText('nginx', { exact: true }).click();
    await expect(help.locator('details', { hasText: 'nginx' }).locator('pre').first()).toContainText(`add_header Access-Control-Allow-Origin "http://127.0.0.1:${GRAFANA_PORT}" always;`);
    await expect(help).not.toContainText('you.github.io');
    await expect(page.getByTestId('connected')).toHaveCount(0);
    await expect(page.getByTestId('connecting')).toHaveCount(0);
    await page.screenshot({ path: 'target/e2e-results/cors-help.png', fullPage: true });
  } finally {
    await grafana.stop();
  }
});

test('nothing listening: the message says unreachable', async ({ page }) => {
  const state = stackState();
  const report = new ReportPage(page);
  await report.open(SITE);
  // Port 9 (discard) is never served here; no test starts a server on it.
  await report.connect('http://127.0.0.1:9/', state.token);
  await expect(report.errors.first()).toContainText('Could not reach http://127.0.0.1:9');
  await expect(page.getByTestId('connected')).toHaveCount(0);
  await expect(page.getByTestId('connecting')).toHaveCount(0);
});

test('surprising URLs are refused before any request', async ({ page }) => {
  const report = new ReportPage(page);
  await report.open(SITE);
  const cases = [
    ['grafana.example.org', 'has no http:// or https://'],
    ['javascript:alert(1)', 'Only http:// and https://'],
    ['https://admin:pw@grafana.example.org/', 'Remove the user name or password'],
    ['https://grafana.example.org/?orgId=1', 'Remove the `?…` part'],
  ];
  for (const [url, message] of cases) {
    await report.connect(url, 'glsa_x');
    await expect(report.errors.first()).toContainText(message);
  }
});

test('the CSV download holds the values the generator wrote (wide) and every sample (tidy)', async ({ page }) => {
  const { state, report } = await drawnReport(page);

  const [wideDownload] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-csv').click()]);
  expect(wideDownload.suggestedFilename()).toBe('daily-active-users-per-hub.csv');
  const wide = readFileSync(await wideDownload.path(), 'utf8').split('\r\n').filter(Boolean).map((l) => l.split(','));
  const [header, ...rows] = wide;
  expect(header[0]).toBe('day');
  const expected = state.expected.series;
  expect(header.slice(1).sort()).toEqual(expected.map((s) => expectedName(s, expected)).sort());
  let checked = 0;
  for (const row of rows.slice(0, -1)) {
    const day = row[0];
    expect(day).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    header.slice(1).forEach((name, i) => {
      const series = expected.find((s) => expectedName(s, expected) === name);
      const want = series.daily[day];
      expect(row[i + 1], `${name} on ${day}`).toBe(want === undefined ? '' : String(want));
      checked += 1;
    });
  }
  expect(checked).toBeGreaterThan(250);

  const [tidyDownload] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-tidy-csv').click()]);
  const tidy = readFileSync(await tidyDownload.path(), 'utf8').split('\r\n').filter(Boolean);
  expect(tidy[0]).toBe('time,datasource,namespace,value');
  // Tidy rows carry the evaluation time: the midnight that ends the day of the wide row.
  // A day the page shows (the range follows the clock; the generator's days were fixed
  // when the stack started, which may have been before midnight).
  const north = expected.find((s) => s.datasource === 'cluster-north' && s.namespace === 'prod');
  const someDay = rows[5][0];
  const value = north.daily[someDay];
  expect(value, someDay).toBeDefined();
  const end = new Date(Date.parse(`${someDay}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 19);
  expect(tidy).toContain(`${end}+00:00,cluster-north,prod,${value}`);
});

const PERIODS_REPORT = `---
format: 1
title: Weeks and months
time:
  from: now-35d
  to: now
---

\`\`\`promql title="Weekly active users" legend="{{namespace}}" step=1w
max(jupyterhub_active_users{period="24h"}) by (namespace)
\`\`\`

\`\`\`promql title="Monthly active users" legend="{{namespace}}" step=1M
max(jupyterhub_active_users{period="24h"}) by (namespace)
\`\`\`
`;

test('calendar weeks and months: bars named as people say them, each the value at the midnight that ends it, the current one so far', async ({ page }) => {
  const state = stackState();
  const report = new ReportPage(page);
  await report.open(SITE);
  await report.connect(state.grafana_url, state.token);
  await report.waitDrawn();
  await page.getByTestId('open-file').setInputFiles({ name: 'periods.md', mimeType: 'text/markdown', buffer: Buffer.from(PERIODS_REPORT) });
  await expect(page.getByTestId('report-title')).toHaveText('Weeks and months');
  const cells = page.getByTestId('cell');
  await expectDrawn(cells.nth(0), { timeout: 30_000 });
  await expectDrawn(cells.nth(1));
  const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const expected = state.expected.series;
  const firstDay = expected.flatMap((s) => Object.keys(s.daily)).sort()[0];
  for (const [i, unit] of [[0, 'week'], [1, 'month']]) {
    const chart = cells.nth(i).getByTestId('chart');
    const traces = await chart.evaluate((el) => el.data.map((t) => ({ name: t.name, x: [...t.x], y: [...t.y], hover: [...t.hovertext] })));
    expect(traces.map((t) => t.name).sort()).toEqual(expected.map((s) => expectedName(s, expected)).sort());
    // The wide CSV names each bar's first day: the value is the daily bar of the day before the next one starts.
    const [csv] = await Promise.all([page.waitForEvent('download'), cells.nth(i).getByTestId('download-csv').click()]);
    const lines = readFileSync(await csv.path(), 'utf8').split('\r\n').filter(Boolean).slice(1).map((l) => l.split(','));
    const labels = lines.map(([start, period]) => (unit === 'week' ? period : `${MONTHS[Number(start.slice(5, 7)) - 1]} ${start.slice(0, 4)}`));
    expect(traces[0].x).toEqual(labels);
    let checked = 0;
    for (const series of expected) {
      const trace = traces.find((t) => t.name === expectedName(series, expected));
      for (let row = 0; row + 1 < lines.length; row += 1) {
        const next = new Date(`${lines[row + 1][0].slice(0, 10)}T00:00:00Z`);
        const lastDay = new Date(next - 86_400_000).toISOString().slice(0, 10);
        if (lastDay < firstDay) continue;
        expect(trace.y[row], `${trace.name} in ${trace.x[row]}`).toBe(series.daily[lastDay] ?? null);
        checked += 1;
      }
      expect(trace.hover.at(-1), `${trace.name}: the last ${unit} is so far`).toContain('so far');
    }
    expect(checked).toBeGreaterThanOrEqual(expected.length);
    await expect(cells.nth(i).getByTestId('chart-summary')).toContainText(`${unit === 'week' ? 'weekly' : 'monthly'} from ${traces[0].x[0]} to ${traces[0].x.at(-1)} (the last ${unit} so far)`);
  }
  // The range starts 35 days ago, inside a month: its first bar is the whole month, and says so.
  const first = await cells.nth(1).getByTestId('chart').evaluate((el) => el.data[0].hovertext[0]);
  expect(first).toMatch(/the whole month; the range starts \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
  await cells.nth(1).scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'target/e2e-results/periods.png', fullPage: true });
});

test('a table with totals and a summary show exactly what their CSV buttons write', async ({ page }) => {
  const state = stackState();
  const report = new ReportPage(page);
  await report.open(SITE);
  await report.connect(state.grafana_url, state.token);
  await report.waitDrawn();
  await page.getByTestId('open-file').setInputFiles('e2e/fixtures/totals.md');
  await expect(page.getByTestId('report-title')).toHaveText('Weekly totals');
  await allCellsSettled(page);
  const cells = page.getByTestId('cell');
  const csvOf = async (cell) => {
    const [file] = await Promise.all([page.waitForEvent('download'), cell.getByTestId('download-csv').click()]);
    return readFileSync(await file.path(), 'utf8').split('\r\n').filter(Boolean).map((l) => l.split(','));
  };
  const tableOf = (cell) => cell.getByTestId('table').evaluate((t) => ({
    head: [...t.querySelectorAll('thead th')].map((c) => c.textContent),
    body: [...t.querySelectorAll('tbody tr')].map((r) => [...r.children].map((c) => c.textContent)),
    foot: [...t.querySelectorAll('tfoot tr')].map((r) => [...r.children].map((c) => c.textContent)),
  }));

  // The table: weeks latest first, a Total column saying how many hubs it added when some had no value.
  const [header, ...lines] = await csvOf(cells.nth(0));
  const shown = await tableOf(cells.nth(0));
  const series = header.slice(3, -2);
  expect(shown.head).toEqual(['time', ...series, 'Total']);
  const weeks = lines.slice(0, -1);
  // The week still running says so.
  expect(shown.body.map((r) => r[0])).toEqual(weeks.map((w) => (w[2] === 'so far' ? `${w[1]} (so far)` : w[1])).reverse());
  // Computed numbers read with separators and at most two decimals; the file keeps every digit.
  const read = (text) => (text === '' ? null : Number(text.replaceAll(',', '')));
  const near = (shownText, fileText, what) => {
    if (fileText === '') expect(shownText, what).toBe('');
    else expect(read(shownText), what).toBeCloseTo(Number(fileText), 1);
  };
  for (const week of weeks) {
    const row = shown.body.find((r) => r[0].split(' ')[0] === week[1]);
    const values = Number(week.at(-1));
    row.slice(1, -1).forEach((v, i) => near(v, week[3 + i], `${week[1]}, ${series[i]}`));
    const [total, note] = row.at(-1).split(' (');
    near(total, week.at(-2), `${week[1]}'s total`);
    expect(note ? `(${note}` : '', `${week[1]}: how many it added`).toBe(values < series.length ? `(${values} of ${series.length})` : '');
  }
  const [foot] = shown.foot;
  expect(foot[0]).toBe(lines.at(-1)[0]);
  lines.at(-1).slice(3, -1).forEach((v, i) => near(foot[1 + i], v, `Total row, column ${i + 1}`));

  // The summary: a row per hub with its labels, one column per reducer.
  const [sumHeader, ...rows] = await csvOf(cells.nth(1));
  const summary = await tableOf(cells.nth(1));
  expect(summary.head).toEqual(sumHeader);
  expect(summary.body.map((r) => r.slice(0, 2))).toEqual(rows.map((r) => r.slice(0, 2)));
  summary.body.forEach((r, i) => r.slice(2).forEach((v, j) => near(v, rows[i][2 + j], `${r[0]}'s ${sumHeader[2 + j]}`)));

  // The histogram: a bar per bin, as tall as its CSV count, its hover naming the largest hubs.
  const [, ...bins] = await csvOf(cells.nth(3));
  const bars = await cells.nth(3).getByTestId('chart').evaluate((el) => ({ x: [...el.data[0].x], y: [...el.data[0].y], hover: [...el.data[0].hovertext] }));
  expect(bars.x).toEqual(bins.map((b) => b[0]));
  expect(bars.y).toEqual(bins.map((b) => Number(b[3])));
  bins.forEach((b, i) => {
    const n = Number(b[3]);
    const lines = bars.hover[i] === '' ? 0 : bars.hover[i].split('<br>').length;
    expect(lines, `${b[0]}: the five largest, then how many more`).toBe(Math.min(n, 5) + (n > 5 ? 1 : 0));
  });
  await expect(cells.nth(3).getByTestId('chart-summary')).toContainText(`Histogram of ${series.length} series by their mean`);
  await cells.nth(0).scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'target/e2e-results/totals.png', fullPage: true });
});

const LOG_REPORT = `---
format: 1
title: Log scale
time:
  from: now-7d
  to: now
---

\`\`\`promql title="Users above 20" chart=line legend="{{namespace}}" step=6h scale=log
max(jupyterhub_active_users{period="24h"}) by (namespace) - 20
\`\`\`
`;

test('a log scale: the toggle switches the axis and back, and values at or below zero are gaps, counted beside the chart', async ({ page }) => {
  const state = stackState();
  const report = new ReportPage(page);
  await report.open(SITE);
  await report.connect(state.grafana_url, state.token);
  await report.waitDrawn();
  const axisType = (cell) => cell.getByTestId('chart').evaluate((el) => el._fullLayout.yaxis.type);

  // The flagship is linear; the reader switches it to log and back, by keyboard.
  const toggle = report.cell.getByTestId('log-scale');
  await expect(toggle).toHaveAttribute('aria-pressed', 'false');
  expect(await axisType(report.cell)).toBe('linear');
  await toggle.focus();
  await page.keyboard.press('Enter');
  await expect(toggle).toHaveAttribute('aria-pressed', 'true');
  await expect.poll(() => axisType(report.cell)).toBe('log');
  await expect(report.cell.getByTestId('chart-summary')).toContainText('Values on a log scale.');
  await toggle.press('Enter');
  await expect(toggle).toHaveAttribute('aria-pressed', 'false');
  await expect.poll(() => axisType(report.cell)).toBe('linear');

  // A cell that asks for log: its values at or below zero are not drawn, and the note counts them.
  await page.getByTestId('open-file').setInputFiles({ name: 'log.md', mimeType: 'text/markdown', buffer: Buffer.from(LOG_REPORT) });
  await expect(page.getByTestId('report-title')).toHaveText('Log scale');
  const cell = page.getByTestId('cell').first();
  await expectDrawn(cell, { timeout: 30_000 });
  expect(await axisType(cell)).toBe('log');
  await expect(cell.getByTestId('log-scale')).toHaveAttribute('aria-pressed', 'true');
  const [csv] = await Promise.all([page.waitForEvent('download'), cell.getByTestId('download-csv').click()]);
  const values = readFileSync(await csv.path(), 'utf8').split('\r\n').filter(Boolean).slice(1).flatMap((l) => l.split(',').slice(1)).filter((v) => v !== '').map(Number);
  const hidden = values.filter((v) => v <= 0).length;
  expect(hidden, 'the query has values at or below zero').toBeGreaterThan(0);
  expect(values.length - hidden, 'and above').toBeGreaterThan(0);
  await expect(cell).toContainText(`${hidden} values at or below zero are not drawn: a log scale has no zero`);
  const drawn = await cell.getByTestId('chart').evaluate((el) => el.data.flatMap((t) => t.y).filter((v) => v !== null && v !== undefined));
  expect(drawn.every((v) => v > 0)).toBe(true);
  expect(drawn.length).toBe(values.length - hidden);
  await page.screenshot({ path: 'target/e2e-results/log-scale.png', fullPage: true });
  // Linear draws them all, and the note goes.
  await cell.getByTestId('log-scale').click();
  await expect.poll(() => axisType(cell)).toBe('linear');
  await expect(cell).not.toContainText('at or below zero');
});

test.describe('in a browser set to Europe/Berlin', () => {
  test.use({ timezoneId: 'Europe/Berlin' });

  test('days can follow the browser zone: evaluated at Berlin midnights, values as generated', async ({ page }) => {
    const state = stackState();
    const report = new ReportPage(page);
    const rangeBodies = [];
    page.on('request', (r) => {
      if (r.url().endsWith('/api/v1/query_range')) rangeBodies.push(new URLSearchParams(r.postData()));
    });
    await report.open(SITE);
    await report.connect(state.grafana_url, state.token);
    await report.waitDrawn();
    rangeBodies.length = 0;
    await page.getByTestId('time-zone').selectOption('Europe/Berlin');
    await expect.poll(() => rangeBodies.length).toBeGreaterThanOrEqual(3);
    await report.waitDrawn();
    for (const body of rangeBodies) {
      const start = Number(body.get('start'));
      // A Berlin midnight is 23:00 UTC in winter, 22:00 UTC in summer.
      expect([82_800, 79_200]).toContain(start % 86_400);
    }
    const expected = state.expected.europe_berlin;
    const traces = await report.traces();
    let checked = 0;
    for (const series of expected) {
      const trace = traces.find((t) => t.name === expectedName(series, expected));
      trace.x.slice(0, -1).forEach((day, i) => {
        expect(trace.y[i], `${trace.name} on ${day} (Berlin)`).toBe(series.daily[day] ?? null);
        checked += 1;
      });
    }
    expect(checked).toBeGreaterThan(250);
    await expect(report.cell).toContainText(/so far|Evaluated at/);
  });
});

test('the token stays secret: only in memory by default, sent only to Grafana, in no URL, storage, console line or download', async ({ page }) => {
  const state = stackState();
  const report = new ReportPage(page);
  const watched = watchAuthorization(page);
  await report.open(SITE);
  await report.connect(state.grafana_url, state.token);
  await report.waitDrawn();
  const [wide] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-csv').click()]);
  const [tidy] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-tidy-csv').click()]);

  const { authorized, unread } = await watched.settled();
  for (const url of unread) expect(new URL(url).origin, 'a request whose headers could not be read').toBe(new URL(SITE).origin);
  expect(authorized.length).toBeGreaterThan(5);
  for (const { url, auth } of authorized) {
    expect(new URL(url).origin).toBe(new URL(state.grafana_url).origin);
    expect(auth).toBe(`Bearer ${state.token}`);
  }
  const storage = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
  for (const text of [page.url(), storage, console_.messages.join('\n'), readFileSync(await wide.path(), 'utf8'), readFileSync(await tidy.path(), 'utf8')]) {
    expect(text).not.toContain(state.token);
  }
  await page.reload();
  await expect(report.token).toHaveValue('');
});

test('a token kept for this tab survives a reload, and Forget clears it everywhere', async ({ page }) => {
  const state = stackState();
  const report = new ReportPage(page);
  await report.open(SITE);
  await page.getByTestId('keep-tab').check();
  await report.connect(state.grafana_url, state.token);
  await report.waitDrawn();
  expect(await page.evaluate(() => localStorage.length)).toBe(0);
  await page.reload();
  await expect(report.token).toHaveValue(state.token);
  await expect(report.url).toHaveValue(`${state.grafana_url}/`);
  await page.getByTestId('forget-token').click();
  await expect(report.token).toHaveValue('');
  expect(await page.evaluate(() => sessionStorage.length + localStorage.length)).toBe(0);
  await page.reload();
  await expect(report.token).toHaveValue('');
});

test('a Grafana behind a sub-path (https://host/grafana/ style) works', async ({ page }) => {
  const state = stackState();
  const grafana = await extraGrafana(3103, ['--sub-path', '/grafana', '--cors-origin', `http://127.0.0.1:${GRAFANA_PORT}`]);
  try {
    const report = new ReportPage(page);
    await report.open(SITE);
    await report.connect('http://127.0.0.1:3103/grafana', state.token);
    await report.waitDrawn();
    await expect(report.url).toHaveValue('http://127.0.0.1:3103/grafana/');
    expect(Object.values(await report.statusByName())).toEqual(['ok', 'ok', 'ok', 'unsupported']);
  } finally {
    await grafana.stop();
  }
});

test('a datasource the token may not query (403 from the proxy) fails alone, with the reason', async ({ page }) => {
  const state = stackState();
  const grafana = await extraGrafana(3104, ['--deny-uid', 'prom-south', '--cors-origin', `http://127.0.0.1:${GRAFANA_PORT}`]);
  try {
    const report = new ReportPage(page);
    await report.open(SITE);
    await report.connect(grafana.url, state.token);
    await report.waitDrawn();
    expect(await report.statusByName()).toEqual({ 'cluster-north': 'ok', 'cluster-south': 'error', 'cluster-west': 'ok', Logs: 'unsupported' });
    await expect(report.cell.getByTestId('error')).toContainText('Grafana denied access (Access denied to datasource)');
  } finally {
    await grafana.stop();
  }
});

test('a 502 from the proxy is retried with backoff, and the datasource still draws', async ({ page }) => {
  const state = stackState();
  // Every distinct query to prom-west fails twice with 502, then is forwarded. The health
  // check and the cell's queries run at the same time, so their answers interleave in any
  // order: what must hold is each request's own story, not the order of arrivals.
  const grafana = await extraGrafana(3105, ['--flaky-uid', 'prom-west', '--flaky-count', '2', '--cors-origin', `http://127.0.0.1:${GRAFANA_PORT}`]);
  const attempts = new Map(); // "METHOD url body" -> [{ status, startedAt }]
  page.on('requestfinished', async (r) => {
    if (r.method() === 'OPTIONS' || !/\/uid\/prom-west\/api\/v1\/query(_range)?(\?|$)/.test(r.url())) return;
    const key = `${r.method()} ${r.url()} ${r.postData() ?? ''}`;
    // A read still pending when the test ends is cut short: the test has what it checks.
    const status = (await r.response().catch(() => null))?.status();
    if (!attempts.has(key)) attempts.set(key, []);
    attempts.get(key).push({ status, startedAt: r.timing().startTime });
  });
  try {
    const report = new ReportPage(page);
    await report.open(SITE);
    await report.connect(grafana.url, state.token);
    await report.waitDrawn();
    await expect.poll(async () => (await report.statusByName())['cluster-west']).toBe('ok');
    expect((await report.traces()).map((t) => t.name)).toContain('ocean-hub');
    // The health check, the range query and today's instant query, at least, each answered
    // in the end (the listener reads statuses asynchronously: wait for it to catch up).
    await expect
      .poll(() => attempts.size >= 3 && [...attempts.values()].every((tries) => tries.some((t) => t.status === 200)))
      .toBe(true);
    for (const [key, tries] of attempts) {
      const byStart = [...tries].sort((a, b) => a.startedAt - b.startedAt);
      expect(byStart.map((t) => t.status), key).toEqual([502, 502, 200]);
      // Backoff: the second attempt at least 0.5 s after the first, the third 1.5 s after
      // the second (a timer never fires early; 50 ms for the clocks' rounding).
      expect(byStart[1].startedAt - byStart[0].startedAt, key).toBeGreaterThanOrEqual(450);
      expect(byStart[2].startedAt - byStart[1].startedAt, key).toBeGreaterThanOrEqual(1450);
    }
  } finally {
    await grafana.stop();
  }
});
