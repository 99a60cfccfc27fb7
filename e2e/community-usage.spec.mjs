// The Community usage report end to end, over thirteen months of real Prometheus history:
// calendar months, ISO weeks and years in UTC and in Europe/Berlin, the month-end table's
// totals, the histogram of hubs by their mean, and the log toggle. Every expected number
// comes from the data generator (state.expected.history), never from the code under test.
import { readFileSync } from 'node:fs';
import { test, expect } from '@playwright/test';
import { GRAFANA_PORT } from '../playwright.config.mjs';
import { ReportPage, stackState, watchConsole, allCellsSettled } from './support.mjs';

const SITE = `http://127.0.0.1:${GRAFANA_PORT}/`;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** "Nov 2025" → "2025-11". */
const monthKey = (label) => `${label.slice(4)}-${String(MONTHS.indexOf(label.slice(0, 3)) + 1).padStart(2, '0')}`;

let console_;
test.beforeEach(async ({ page }) => {
  console_ = watchConsole(page);
});
test.afterEach(async () => {
  console_.assertNoPanic();
});

/** One CSV line's fields (RFC 4180 quoting: labels such as "1,000–2,500" hold commas). */
function fields(line) {
  return [...line.matchAll(/(?:^|,)(?:"((?:[^"]|"")*)"|([^,]*))/g)].map((m) => (m[1] !== undefined ? m[1].replaceAll('""', '"') : m[2]));
}

async function download(page, button) {
  const [file] = await Promise.all([page.waitForEvent('download'), button.click()]);
  return readFileSync(await file.path(), 'utf8').split('\r\n').filter(Boolean).map(fields);
}

const chartOf = (cell) => cell.getByTestId('chart').evaluate((el) => el.data.map((t) => ({ name: t.name, x: [...t.x], y: [...t.y], hover: [...(t.hovertext ?? [])] })));
const tableOf = (cell) => cell.getByTestId('table').evaluate((t) => ({
  head: [...t.querySelectorAll('thead th')].map((c) => c.textContent),
  body: [...t.querySelectorAll('tbody tr')].map((r) => [...r.children].map((c) => c.textContent)),
}));
const read = (text) => (text === '' ? null : Number(text.replaceAll(',', '').split(' (')[0]));

/** Opens Community usage, connected, in `zone` (the browser's zone when it is not UTC). */
async function openReport(page, zone) {
  const state = stackState();
  const report = new ReportPage(page);
  await report.open(`${SITE}#/community-usage`);
  await report.connect(state.grafana_url, state.token);
  await expect(page.getByTestId('report-title')).toHaveText('Community usage');
  await allCellsSettled(page);
  const cells = page.getByTestId('cell');
  if (zone !== 'UTC') {
    const runs = () => cells.evaluateAll((all) => all.map((c) => Number(c.dataset.runs)));
    const before = await runs();
    await page.getByTestId('time-zone').selectOption(zone);
    // Every cell runs again, in the new zone.
    await expect.poll(async () => (await runs()).every((n, i) => n > before[i])).toBe(true);
    await allCellsSettled(page);
  }
  await expect(cells).toHaveCount(5);
  for (let i = 0; i < 5; i += 1) await expect(cells.nth(i)).toHaveAttribute('data-state', 'drawn');
  return { state, cells, history: state.expected.history[zone] };
}

/** Compares every complete period of every trace with the generator's `field` of its
 * cluster, keyed by `keyOf(label)`; returns how many values it compared. */
function expectGenerated(traces, history, field, keyOf) {
  let checked = 0;
  for (const trace of traces) {
    const cluster = history.clusters.find((c) => c.datasource === trace.name);
    trace.x.slice(0, -1).forEach((label, i) => {
      expect(trace.y[i], `${trace.name} in ${label}`).toBe(cluster[field][keyOf(label)]);
      checked += 1;
    });
  }
  return checked;
}

/** Month, week and year values as the generator made them; totals as the sums of what is drawn. */
async function checkPeriods(page, cells, history) {
  const names = history.clusters.map((c) => c.datasource).sort();
  // 1. Monthly active users: a stacked area per cluster, thirteen whole months and this one so far.
  const months = await chartOf(cells.nth(0));
  expect(months.map((t) => t.name).sort()).toEqual(names);
  expect(months[0].x.length, 'thirteen months and the current one').toBe(14);
  expect(expectGenerated(months, history, 'month_end_30d', monthKey)).toBe(13 * names.length);
  for (const trace of months) expect(trace.hover.at(-1), `${trace.name}: this month is so far`).toContain('so far');

  // 2. The month-end table: the same numbers, and a Total column that adds up what is drawn.
  const [header, ...lines] = await download(page, cells.nth(1).getByTestId('download-csv'));
  expect(header.slice(0, 3)).toEqual(['start', 'period', 'status']);
  const columns = header.slice(3, 3 + names.length);
  expect([...columns].sort()).toEqual(names);
  expect(header.slice(3 + names.length)).toEqual(['Total', 'Total values']);
  expect(lines.map((l) => l[1])).toEqual(months[0].x.map(monthKey));
  expect(lines.at(-1)[2]).toBe('so far');
  const shown = await tableOf(cells.nth(1));
  expect(shown.head).toEqual(['time', ...columns, 'Total']);
  expect(shown.body).toHaveLength(lines.length);
  for (const [row, line] of lines.entries()) {
    const drawn = Object.fromEntries(months.map((t) => [t.name, t.y[row]]));
    columns.forEach((name, j) => expect(Number(line[3 + j]), `${name} in ${line[1]}`).toBe(drawn[name]));
    const sum = Object.values(drawn).reduce((a, y) => a + y, 0);
    expect(Number(line.at(-2)), `the total of ${line[1]}`).toBe(sum);
    // The table lists the latest month first, the running one marked.
    const [label, ...shownValues] = shown.body[lines.length - 1 - row];
    expect(label, `the table's row of ${line[1]}`).toBe(`${months[0].x[row]}${line[2] === 'so far' ? ' (so far)' : ''}`);
    expect(shownValues.map(read), `the table's ${line[1]}`).toEqual([...columns.map((name) => drawn[name]), sum]);
  }

  // 3. Weekly active users: ISO weeks, each the 7d gauge at the midnight that ends it.
  const weeks = await chartOf(cells.nth(2));
  expect(weeks.map((t) => t.name).sort()).toEqual(names);
  for (const trace of weeks) expect(trace.x.every((label) => /^\d{4}-W\d\d$/.test(label)), trace.x.join()).toBe(true);
  expect(expectGenerated(weeks, history, 'week_end_7d', (label) => label)).toBeGreaterThanOrEqual(56 * names.length);

  // 4. Hubs in use per year: the current year too (a count does not change within the day).
  const [yearHeader, ...years] = await download(page, cells.nth(4).getByTestId('download-csv'));
  const yearColumns = yearHeader.slice(3, 3 + names.length);
  expect(years.map((l) => l[1])).toEqual(Object.keys(history.clusters[0].year_hubs).sort());
  for (const line of years) {
    let total = 0;
    yearColumns.forEach((name, j) => {
      const want = history.clusters.find((c) => c.datasource === name).year_hubs[line[1]];
      expect(Number(line[3 + j]), `${name}: hubs in ${line[1]}`).toBe(want);
      total += want;
    });
    expect(Number(line.at(-2)), `hubs in ${line[1]}`).toBe(total);
  }
}

/** The histogram: each hub's mean over the complete days of the range, counted per bin. */
async function checkHistogram(page, cell, history) {
  const tidy = await download(page, cell.getByTestId('download-tidy-csv'));
  const [head, ...samples] = tidy;
  const at = (name) => head.indexOf(name);
  // A daily sample is written at the midnight that ends its day.
  const dayBefore = (date) => new Date(Date.parse(`${date}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
  const byHub = new Map();
  for (const s of samples) {
    const key = `${s[at('datasource')]}|${s[at('namespace')]}`;
    byHub.set(key, [...(byHub.get(key) ?? []), [dayBefore(s[at('time')].slice(0, 10)), Number(s[at('value')])]]);
  }
  // Every hub that ran during the range, with the generator's daily values on exactly its days.
  const first = [...byHub.values()].flat().map(([day]) => day).sort()[0];
  const last = [...byHub.values()].flat().map(([day]) => day).sort().at(-1);
  const means = [];
  for (const series of history.series) {
    const days = Object.entries(series.daily).filter(([day]) => day >= first && day <= last);
    if (!days.length) continue;
    const drawn = byHub.get(`${series.datasource}|${series.namespace}`);
    expect(drawn, `${series.datasource} / ${series.namespace}`).toEqual(days);
    means.push(days.reduce((a, [, v]) => a + v, 0) / days.length);
  }
  expect(byHub.size).toBe(means.length);
  // The range's complete days: from its first day to yesterday, each evaluated at its end.
  expect(samples.every((s) => /T00:00:00/.test(s[at('time')])), 'every value at a midnight').toBe(true);
  // "Now" as the page took it: the monthly chart's last month is evaluated then.
  const now = Number(await cell.page().getByTestId('cell').first().getAttribute('data-evaluated-at'));
  const today = new Date(now).toLocaleDateString('en-CA', { timeZone: history.zone });
  expect(last, 'up to yesterday').toBe(dayBefore(today));
  expect(means.length, 'hubs born and retired during the range count too').toBeGreaterThan(10);
  const [, ...bins] = await download(page, cell.getByTestId('download-csv'));
  const bars = (await chartOf(cell))[0];
  expect(bars.x).toEqual(bins.map((b) => b[0]));
  let counted = 0;
  bins.forEach(([label, from, to, count], i) => {
    const low = from === '' ? -Infinity : Number(from);
    const high = to === '' ? Infinity : Number(to);
    const want = means.filter((m) => m >= low && m < high).length;
    expect(Number(count), `hubs with a mean in ${label}`).toBe(want);
    expect(bars.y[i], `the bar of ${label}`).toBe(want);
    counted += want;
  });
  expect(counted).toBe(means.length);
}

test('Community usage draws the generator\'s month-end, week-end and year values in UTC, with totals, the histogram and a log toggle', async ({ page }) => {
  const { cells, history } = await openReport(page, 'UTC');
  await checkPeriods(page, cells, history);
  await checkHistogram(page, cells.nth(3), history);

  // The log toggle: the monthly chart's axis switches to log and back.
  const axisType = () => cells.nth(0).getByTestId('chart').evaluate((el) => el._fullLayout.yaxis.type);
  const toggle = cells.nth(0).getByTestId('log-scale');
  expect(await axisType()).toBe('linear');
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-pressed', 'true');
  await expect.poll(axisType).toBe('log');
  await cells.nth(0).scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'target/e2e-results/community-usage-log.png' });
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-pressed', 'false');
  await expect.poll(axisType).toBe('linear');
  await page.screenshot({ path: 'target/e2e-results/community-usage.png', fullPage: true });
});

test.describe('in a browser set to Europe/Berlin', () => {
  test.use({ timezoneId: 'Europe/Berlin' });

  test('Community usage cuts months, weeks and years at Berlin midnights, values as generated', async ({ page }) => {
    const { cells, history } = await openReport(page, 'Europe/Berlin');
    await checkPeriods(page, cells, history);
    await checkHistogram(page, cells.nth(3), history);
  });
});
