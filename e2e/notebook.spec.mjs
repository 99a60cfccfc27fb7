// Notebook reports end to end: the built-in reports, editing, variables, share links,
// files, CSV, PNG and print, against the real stack in Debian's headless Chromium.
// Expected values come from Prometheus itself (queried directly by the test, not
// through the app) or from the data generator.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { deflateRawSync } from 'node:zlib';
import { test, expect } from '@playwright/test';
import { GRAFANA_PORT } from '../playwright.config.mjs';
import { BUILT_IN_REPORTS, ReportPage, stackState, watchConsole, openAndConnect, allCellsSettled, expectDrawn } from './support.mjs';

const SITE = `http://127.0.0.1:${GRAFANA_PORT}/`;
const REPORTS = BUILT_IN_REPORTS;

let console_;
test.beforeEach(async ({ page }) => {
  console_ = watchConsole(page);
});
test.afterEach(async ({ page }) => {
  console_.assertNoPanic();
  expect(await page.evaluate(() => window.__xss)).toBeUndefined();
});

/** Opens `report` and connects to the stack's Grafana; waits for every cell. */
async function connect(page, report = 'hub-activity') {
  const state = await openAndConnect(page, SITE, { path: `#/${report}` });
  await allCellsSettled(page);
  return state;
}

/** Per cell: title, state, and the traces plotly.js draws (or the table's size). */
async function cells(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('[data-testid=cell]')].map((cell) => {
      const chart = cell.querySelector('[data-testid=chart]');
      const table = cell.querySelector('[data-testid=table] tbody');
      return {
        title: cell.querySelector('[data-testid=cell-title]').textContent,
        state: cell.dataset.state,
        runs: Number(cell.dataset.runs),
        traces: chart && Array.isArray(chart.data) ? chart.data.map((t) => ({ name: t.name, x: [...t.x], y: [...t.y] })) : [],
        tableRows: table ? table.querySelectorAll('tr').length : 0,
      };
    }),
  );
}

/** The stack's Prometheus for a datasource uid, queried directly (not through the app). */
async function directRange(uid, query, start, end, step) {
  const prom = stackState().prometheus.find((p) => p.uid === uid);
  const params = new URLSearchParams({ query, start: String(start), end: String(end), step: String(step) });
  const response = await fetch(`http://127.0.0.1:${prom.port}/api/v1/query_range?${params}`);
  const body = await response.json();
  expect(body.status).toBe('success');
  return body.data.result;
}

for (const id of REPORTS) {
  test(`the built-in report "${id}" draws real data in every cell`, async ({ page }) => {
    await connect(page, id);
    await expect(page.getByTestId('report')).toHaveAttribute('data-report', id);
    const all = await cells(page);
    expect(all.length).toBeGreaterThan(0);
    for (const cell of all) {
      expect(cell.state, `${cell.title}`).toBe('drawn');
      const values = cell.traces.flatMap((t) => t.y).filter((v) => v !== null && v !== undefined);
      expect(values.length + cell.tableRows, `${cell.title} has data`).toBeGreaterThan(0);
    }
    await page.screenshot({ path: `target/e2e-results/report-${id}.png`, fullPage: true });
  });
}

test('the gallery lists every built-in report and switches between them', async ({ page }) => {
  await page.goto(SITE);
  const links = page.getByTestId('report-link');
  await expect(links).toHaveCount(REPORTS.length);
  expect(await links.evaluateAll((all) => all.map((a) => a.dataset.report))).toEqual(REPORTS);
  await expect(page.getByTestId('report-title')).toHaveText('Hub activity');
  await links.nth(2).click();
  await expect(page.getByTestId('report-title')).toHaveText('Service metrics');
  expect(page.url()).toContain('#/service-metrics');
  await links.nth(3).click();
  await expect(page.getByTestId('report-title')).toHaveText('Community usage');
});

test('editing a cell query and running it draws the new query; the edit survives a reload', async ({ page }) => {
  await connect(page);
  const cell = page.getByTestId('cell').first();
  const before = (await cells(page))[0];
  await cell.getByTestId('edit-cell').click();
  const source = cell.getByTestId('cell-source');
  await source.fill('max(jupyterhub_active_users{period="7d", namespace=~"$hub"}) by (namespace)');
  await cell.getByTestId('cell-options').fill('title="Weekly active users per hub" legend="{{namespace}}" step=1d');
  await cell.getByTestId('cell-options').press('Tab');
  await cell.getByTestId('run-cell').click();
  await expect(cell).toHaveAttribute('data-runs', String(before.runs + 1));
  await allCellsSettled(page);
  const after = (await cells(page))[0];
  expect(after.title).toBe('Weekly active users per hub');
  expect(after.state).toBe('drawn');
  // The 7-day gauge counts more users than the 24-hour one, every day, for the big hub.
  const prod = (list) => list.traces.find((t) => t.name === 'prod');
  prod(after).y.slice(0, -1).forEach((v, i) => expect(v).toBeGreaterThan(prod(before).y[i]));

  await page.reload();
  await expect(page.getByTestId('cell-title').first()).toHaveText('Weekly active users per hub');
  await expect(page.getByTestId('reset-report')).toBeVisible();
  const saved = await page.evaluate(() => JSON.parse(localStorage.getItem('promnote.report.hub-activity')));
  expect(saved.source).toContain('period="7d"');
  const storage = await page.evaluate(() => JSON.stringify({ ...localStorage }));
  expect(storage).not.toContain(stackState().token);
  await page.getByTestId('reset-report').click();
  await expect(page.getByTestId('cell-title').first()).toHaveText('Daily active users per hub');
  expect(await page.evaluate(() => localStorage.length)).toBe(0);
});

test('cells can be added, reordered and deleted, and run on their own', async ({ page }) => {
  await connect(page);
  const before = await cells(page);
  await page.getByTestId('add-cell').click();
  const added = page.getByTestId('cell').last();
  await added.getByTestId('cell-source').fill('sum by (namespace) (jupyterhub_running_servers)');
  await added.getByTestId('cell-options').fill('title="Servers" chart=line step=1h from=now-1d');
  await added.getByTestId('cell-options').press('Tab');
  await added.getByTestId('run-cell').click();
  await expectDrawn(added, { timeout: 30_000 });
  // The other cell did not run again.
  expect((await cells(page))[0].runs).toBe(before[0].runs);
  // Blocks: prose, cell, prose, new cell. Up twice passes the prose, then the cell.
  await added.getByTestId('move-up').click();
  await added.getByTestId('move-up').click();
  await expect(page.getByTestId('cell-title').first()).toHaveText('Servers');
  await page.getByTestId('cell').first().getByTestId('delete-cell').click();
  await expect(page.getByTestId('cell')).toHaveCount(1);
  await expect(page.getByTestId('cell-title').first()).toHaveText('Daily active users per hub');
});

test('a failing cell shows its error and the other cells still draw', async ({ page }) => {
  await connect(page, 'service-metrics');
  const first = page.getByTestId('cell').first();
  await first.getByTestId('edit-cell').click();
  await first.getByTestId('cell-source').fill('sum(rate(requests_total[5m]');
  await first.getByTestId('run-cell').click();
  await expect(first.getByTestId('error').first()).toContainText('parse error');
  const all = await cells(page);
  expect(all.slice(1).every((c) => c.state === 'drawn')).toBe(true);
});

test('the query editor completes metric names, a metric\'s label names and a label\'s values', async ({ page }) => {
  await connect(page);
  const cell = page.getByTestId('cell').first();
  await cell.getByTestId('edit-cell').click();
  const source = cell.getByTestId('cell-source');
  await source.fill('');
  await source.pressSequentially('jupyterhub_ru');
  const option = cell.getByTestId('completion').filter({ hasText: 'jupyterhub_running_servers' });
  await option.click();
  await expect(source).toHaveValue('jupyterhub_running_servers');
  // Label names of this metric (from /api/v1/series), then values of the label.
  await source.pressSequentially('{names');
  await cell.getByTestId('completion').filter({ hasText: 'namespace' }).click();
  await expect(source).toHaveValue('jupyterhub_running_servers{namespace');
  await source.pressSequentially('="cl');
  await cell.getByTestId('completion').filter({ hasText: 'climate-lab' }).click();
  await expect(source).toHaveValue('jupyterhub_running_servers{namespace="climate-lab');
  await source.pressSequentially('"}');
  await cell.getByTestId('run-cell').click();
  await expectDrawn(cell);
  expect((await cells(page))[0].traces.map((t) => t.name)).toEqual(['climate-lab']);
});

test('changing a variable re-runs only the cells that use it, with the value regex-escaped', async ({ page }) => {
  await connect(page, 'service-metrics');
  const before = await cells(page);
  const port = page.locator('[data-testid=variable][data-name=port]');
  await expect(port.locator('option')).toHaveCount(5); // All + ports 1..4
  await port.selectOption(['3']);
  await allCellsSettled(page);
  const after = await cells(page);
  for (const [i, cell] of after.entries()) {
    const usesPort = ['Buffer level per port', 'Received packets per port', 'Link state per port', 'Link state, last hour'].includes(cell.title);
    expect(cell.runs, cell.title).toBe(before[i].runs + (usesPort ? 1 : 0));
    if (usesPort && cell.traces.length) expect(cell.traces.map((t) => t.name)).toEqual(['port 3']);
  }
  await expect(page.getByTestId('cell').nth(3).locator('summary')).toBeVisible();
  await page.getByTestId('cell').nth(3).locator('summary').click();
  await expect(page.getByTestId('cell').nth(3)).toContainText('portnum=~"3"');
});

test('a share link round-trips the report, range and variables, holds no token, and asks before trusting its Grafana', async ({ page, browser }) => {
  const state = await connect(page, 'service-metrics');
  await page.locator('[data-testid=variable][data-name=port]').selectOption(['2', '4']);
  await page.getByTestId('time-from').fill('now-1d');
  await page.getByTestId('time-from').press('Enter');
  await allCellsSettled(page);
  const title = page.getByTestId('cell').first();
  await title.getByTestId('edit-cell').click();
  await title.getByTestId('cell-options').fill('title="Shared requests" chart=area unit=req/s legend="{{endpoint}} {{status}}"');
  await title.getByTestId('cell-options').press('Tab');
  await page.getByTestId('share').click();
  const link = await page.getByTestId('share-link').inputValue();
  expect(link).toMatch(/#share=1\./);
  expect(link).not.toContain(state.token);
  expect(link).not.toContain('glsa_');
  const titles = (await cells(page)).map((c) => c.title);

  const context = await browser.newContext();
  const other = await context.newPage();
  const otherConsole = watchConsole(other);
  await other.goto(link);
  await expect(other.getByTestId('confirm-origin')).toBeVisible();
  await expect(other.locator('.confirm-origin')).toContainText(`${state.grafana_url}/`);
  await expect(other.getByTestId('grafana-token')).toBeDisabled();
  await expect(other.getByTestId('connect')).toBeDisabled();
  await expect(other.getByTestId('time-from')).toHaveValue('now-1d');
  expect(await other.locator('[data-testid=variable][data-name=port]').evaluate((s) => [...s.selectedOptions].map((o) => o.value))).toEqual(['2', '4']);
  await other.getByTestId('confirm-origin').click();
  await other.getByTestId('grafana-token').fill(state.token);
  await other.getByTestId('connect').click();
  await allCellsSettled(other);
  const shared = await cells(other);
  expect(shared.map((c) => c.title)).toEqual(titles);
  expect(shared[0].title).toBe('Shared requests');
  const buffer = shared.find((c) => c.title === 'Buffer level per port');
  expect(buffer.traces.map((t) => t.name).sort()).toEqual(['port 2', 'port 4']);
  otherConsole.assertNoPanic();
  await context.close();
});

test('a share link pointing at another Grafana never receives a kept token', async ({ page, browser }) => {
  const state = stackState();
  await page.goto(SITE);
  await page.getByTestId('share').click();
  const mine = await page.getByTestId('share-link').inputValue();
  // A crafted link: same report, a Grafana the attacker controls.
  const context = await browser.newContext();
  const other = await context.newPage();
  await other.goto(SITE);
  await other.getByTestId('keep-device').check();
  await new ReportPage(other).connect(state.grafana_url, state.token);
  await allCellsSettled(other);
  const requests = [];
  other.on('request', (r) => requests.push(r.url()));
  const crafted = await other.evaluate(async (link) => {
    // Re-encode the link with another Grafana, as an attacker would.
    const data = link.split('#share=1.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(data + '='.repeat((4 - (data.length % 4)) % 4)), (c) => c.charCodeAt(0));
    const json = await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate-raw'))).json();
    json.grafana = 'http://127.0.0.1:3999/';
    const packed = new Uint8Array(await new Response(new Blob([JSON.stringify(json)]).stream().pipeThrough(new CompressionStream('deflate-raw'))).arrayBuffer());
    const b64 = btoa(String.fromCharCode(...packed)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    return link.split('#')[0] + '#share=1.' + b64;
  }, mine);
  await other.goto(crafted);
  await expect(other.getByTestId('confirm-origin')).toBeVisible();
  await expect(other.getByTestId('grafana-url')).toHaveValue('http://127.0.0.1:3999/');
  await expect(other.getByTestId('grafana-token')).toHaveValue('');
  await expect(other.getByTestId('grafana-token')).toBeDisabled();
  expect(requests.filter((u) => u.includes(':3999'))).toEqual([]);
  await context.close();
});

/** A share link for `shared` ({ source, from, to, vars }), packed as the page packs it. */
function shareLink(shared) {
  const packed = deflateRawSync(Buffer.from(JSON.stringify(shared)));
  return `${SITE}#share=1.${packed.toString('base64url')}`;
}

const ONE_HUB = `---
format: 1
title: One hub
variables:
  - name: hub
    query: label_values(jupyterhub_active_users, namespace)
    default: prod
  - name: many
    values: [a, b, c]
    multi: true
---

\`\`\`promql title="Users" step=1d
max(jupyterhub_active_users{period="24h", namespace="$hub"})
\`\`\`
`;

test('a share link\'s variable values are checked like --var: a value the variable cannot take is said and not used', async ({ page }) => {
  await page.goto(shareLink({ source: ONE_HUB, from: 'now-7d', to: 'now', vars: { hub: ['prod', 'staging'], many: ['a', 'c'] } }));
  await expect(page.getByTestId('report-title')).toHaveText('One hub');
  await expect(page.getByTestId('error')).toContainText("Some of the link's variable values were not used");
  await expect(page.getByTestId('error')).toContainText('$hub takes one value, not 2');
  // The values the variables can take are used.
  expect(await page.locator('[data-testid=variable][data-name=many]').evaluate((s) => [...s.selectedOptions].map((o) => o.value))).toEqual(['a', 'c']);
  await page.goto(shareLink({ source: ONE_HUB, from: 'now-7d', to: 'now', vars: { hub: ['$__all'] } }));
  await expect(page.getByTestId('error')).toContainText('$hub does not offer All; give its values');
});

test('a file, a link or a new report never throws away "My report": it is kept as an earlier version to restore', async ({ page }) => {
  await page.goto(SITE);
  await page.getByTestId('open-file').setInputFiles('e2e/fixtures/handwritten.md');
  await expect(page.getByTestId('report-title')).toHaveText('Capacity check');
  await page.getByTestId('open-file').setInputFiles('e2e/fixtures/handwritten.md');
  await expect(page.getByTestId('report-title')).toHaveText('Capacity check');
  await expect(page.getByTestId('drafts')).toHaveCount(0); // the same report, nothing to keep
  // An edit to My report (its range), then a share link replaces it.
  await page.getByTestId('time-from').fill('now-5d');
  await page.getByTestId('time-from').press('Enter');
  await page.goto(shareLink({ source: ONE_HUB, from: 'now-7d', to: 'now', vars: {} }));
  await expect(page.getByTestId('report-title')).toHaveText('One hub');
  await expect(page.getByTestId('draft-note')).toContainText('Your earlier report “Capacity check” is kept');
  const titles = () => page.getByTestId('draft').locator('.draft-title').allTextContents();
  expect(await titles()).toEqual(['Capacity check']);
  // New report replaces it in turn.
  await page.getByTestId('new-report').click();
  await expect(page.getByTestId('report-title')).toHaveText('My report');
  await expect(page.getByTestId('draft')).toHaveCount(2);
  expect(await titles()).toEqual(['One hub', 'Capacity check']);
  // Kept across a reload; restoring brings back the edited range, and keeps the one it replaces.
  await page.reload();
  await expect(page.getByTestId('draft')).toHaveCount(2);
  await page.getByTestId('drafts').locator('summary').click();
  await page.getByRole('button', { name: 'Restore “Capacity check”' }).click();
  await expect(page.getByTestId('report-title')).toHaveText('Capacity check');
  await expect(page.getByTestId('time-from')).toHaveValue('now-5d');
  await expect(page).toHaveURL(/#\/my-report$/);
  expect(await titles()).toEqual(['My report', 'One hub']);
  await page.getByTestId('open-file').setInputFiles('e2e/fixtures/handwritten.md');
  await expect(page.getByTestId('time-from')).not.toHaveValue('now-5d');
  expect(await titles()).toEqual(['Capacity check', 'My report', 'One hub']);
  await page.getByRole('button', { name: 'Delete “My report”' }).click();
  expect(await titles()).toEqual(['Capacity check', 'One hub']);
});

test('edits that this browser cannot keep are said, and the report goes on', async ({ page }) => {
  await page.addInitScript(() => {
    Storage.prototype.setItem = function () {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    };
  });
  await page.goto(`${SITE}#/hub-activity`);
  await expect(page.getByTestId('save-failed')).toHaveCount(0);
  await page.getByTestId('time-from').fill('now-7d');
  await page.getByTestId('time-from').press('Enter');
  await expect(page.getByTestId('save-failed')).toContainText('Your edits could not be kept in this browser');
  await expect(page.getByTestId('save-failed')).toContainText('quota');
  await expect(page.getByTestId('save-failed')).toContainText('Download .md');
  await expect(page.getByTestId('time-from')).toHaveValue('now-7d');
});

test('prose nested thousands deep renders to a limit with a note, and the page keeps working', async ({ page }) => {
  const source = `---\nformat: 1\ntitle: Deep\n---\n\n${'>'.repeat(20000)} deep\n\n- ${'- '.repeat(5000)}list\n`;
  const link = shareLink({ source, from: 'now-1d', to: 'now', vars: {} });
  expect(link.length).toBeLessThan(2000);
  await page.goto(link);
  await expect(page.getByTestId('report-title')).toHaveText('Deep');
  await expect(page.getByTestId('prose').first()).toContainText('deep');
  await expect(page.getByTestId('prose').first()).toContainText('nested more than');
  const depth = await page.evaluate(() => {
    let deepest = 0;
    for (const el of document.querySelectorAll('.prose *')) {
      let d = 0;
      for (let e = el; e && !e.classList?.contains('prose'); e = e.parentElement) d += 1;
      deepest = Math.max(deepest, d);
    }
    return deepest;
  });
  expect(depth).toBeLessThan(80);
  await page.getByTestId('demo').click();
  await expect(page.getByTestId('report-title')).toHaveText('Deep');
});

test('a hand-written report file loads from disk and runs; its HTML stays text', async ({ page }) => {
  await connect(page);
  await page.getByTestId('open-file').setInputFiles('e2e/fixtures/handwritten.md');
  await expect(page.getByTestId('report-title')).toHaveText('Capacity check');
  await allCellsSettled(page);
  const all = await cells(page);
  expect(all.map((c) => c.state)).toEqual(['drawn', 'drawn']);
  expect(all[0].title).toBe('Running servers in $ns');
  expect(all[0].traces.length).toBe(1); // one namespace chosen: the first value
  expect(all[1].tableRows).toBeGreaterThan(0);
  const prose = page.getByTestId('prose').first();
  await expect(prose).toContainText('<img src=x onerror="window.__xss=1">');
  await expect(prose).toContainText('<script>window.__xss=1</script>');
  expect(await prose.locator('img, script').count()).toBe(0);
  expect(await prose.locator('a').evaluateAll((as) => as.map((a) => a.href))).toEqual(['https://jupyterhub.readthedocs.io/']);
  await expect(page.getByTestId('report-link').filter({ hasText: 'My report' })).toBeVisible();
  // Download .md gives the same report back.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-md').click()]);
  expect(download.suggestedFilename()).toBe('capacity-check.md');
  const text = readFileSync(await download.path(), 'utf8');
  expect(text).toContain('title: Capacity check');
  expect(text).toContain('```promql title="Running servers in $ns" chart=bar legend="{{namespace}}" step=1h');
});

test('a broken report file gets an error that names the line', async ({ page }) => {
  await page.goto(SITE);
  await page.getByTestId('open-file').setInputFiles({
    name: 'broken.md',
    mimeType: 'text/markdown',
    buffer: Buffer.from('---\nformat: 1\n---\n\nText.\n\n```promql colour=red\nup\n```\n'),
  });
  await expect(page.getByTestId('error').first()).toContainText('broken.md is not a report promnote can read: line 7: unknown cell option `colour`');
  await expect(page.getByTestId('report-title')).toHaveText('Hub activity');
});

test('CSV downloads hold what Prometheus answers to the same query_range', async ({ page }) => {
  await connect(page, 'service-metrics');
  const cell = page.getByTestId('cell').filter({ has: page.getByText('Buffer level per port', { exact: true }) });
  const [download] = await Promise.all([page.waitForEvent('download'), cell.getByTestId('download-csv').click()]);
  const [header, ...rows] = readFileSync(await download.path(), 'utf8').split('\r\n').filter(Boolean).map((l) => l.split(','));
  expect(header[0]).toBe('time');
  const times = rows.map((r) => Date.parse(r[0]) / 1000);
  const step = times[1] - times[0];
  const direct = await directRange('prom-north', 'max by (portnum) (buffer_level_bytes{portnum=~".*"})', times[0], times.at(-1), step);
  expect(direct.length).toBe(header.length - 1);
  let compared = 0;
  for (const series of direct) {
    const column = header.indexOf(`port ${series.metric.portnum}`);
    expect(column, `column for port ${series.metric.portnum}`).toBeGreaterThan(0);
    const byTime = new Map(series.values.map(([t, v]) => [t, Number(v)]));
    rows.forEach((row, i) => {
      const want = byTime.get(times[i]);
      expect(row[column] === '' ? undefined : Number(row[column]), `port ${series.metric.portnum} at ${row[0]}`).toBe(want);
      compared += 1;
    });
  }
  expect(compared).toBeGreaterThan(100);

  const [all] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-report-csv').click()]);
  const report = readFileSync(await all.path(), 'utf8').split('\r\n').filter(Boolean);
  expect(report[0].startsWith('cell,time,datasource,')).toBe(true);
  // The first field, quoted when it holds a comma (RFC 4180).
  const firstField = (line) => (line.startsWith('"') ? line.slice(1, line.indexOf('",')).replace(/""/g, '"') : line.split(',')[0]);
  const cellsInCsv = new Set(report.slice(1).map(firstField));
  expect([...cellsInCsv].sort()).toEqual((await cells(page)).map((c) => c.title).sort());
});

test('a chart downloads as PNG from the modebar', async ({ page }) => {
  await connect(page);
  const chart = page.getByTestId('chart').first();
  await chart.hover();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    chart.locator('.modebar-btn[data-title^="Download plot"]').click(),
  ]);
  expect(download.suggestedFilename()).toBe('daily-active-users-per-hub.png');
  const png = readFileSync(await download.path());
  expect(png.subarray(1, 4).toString()).toBe('PNG');
  expect(png.length).toBeGreaterThan(20_000);
});

test('print to PDF gives the report without the form or buttons', async ({ page }) => {
  await connect(page, 'jupyterhub-usage');
  await page.emulateMedia({ media: 'print' });
  await expect(page.getByTestId('connect')).toBeHidden();
  await expect(page.getByTestId('run-all')).toBeHidden();
  await expect(page.getByTestId('chart').first()).toBeVisible();
  await expect(page.locator('.print-only')).toContainText('Time range: now-1M to now · generated ');
  // page.pdf() lays the page out for print media (kept from above).
  const dir = 'target/e2e-results/print';
  mkdirSync(dir, { recursive: true });
  const pdf = await page.pdf({ path: `${dir}/jupyterhub-usage.pdf`, format: 'A4', printBackground: true });
  const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length;
  expect(pages).toBeGreaterThanOrEqual(2);
  execFileSync('pdftoppm', ['-png', '-r', '60', `${dir}/jupyterhub-usage.pdf`, `${dir}/page`]);
  expect(readdirSync(dir).filter((f) => f.endsWith('.png')).length).toBe(pages);
});
