// The site dev/publish wrote, as a reader without a token opens it: served by a plain
// static server while no Grafana and no Prometheus runs, every built-in report is drawn
// from its snapshot with the generator's exact values, under the snapshot banner; CSV,
// PNG and share links work; every report has its PDF; and no file holds the token.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect } from '@playwright/test';
import { PUBLISHED_DIR, PUBLISHED_PORT } from '../../playwright.publish.config.mjs';
import { BUILT_IN_REPORTS, allCellsSettled, expectedName, proseValues, watchConsole } from '../support.mjs';

const SITE = `http://127.0.0.1:${PUBLISHED_PORT}/promnote/`;
// The demo stack dev/publish snapshotted (stopped since): its token and the generator's
// truth. The file lives outside the published folder.
const STATE = JSON.parse(readFileSync('target/demo-stack/publish/state.json', 'utf8'));
const INDEX = JSON.parse(readFileSync(join(PUBLISHED_DIR, 'snapshots', 'index.json'), 'utf8'));

let console_;
test.beforeEach(async ({ page }) => {
  console_ = watchConsole(page);
});
test.afterEach(async () => {
  console_.assertNoPanic();
});

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

test('no server of the stack is running', async () => {
  const urls = [`${STATE.grafana_url}/api/health`, ...STATE.prometheus.map((p) => `http://127.0.0.1:${p.port}/-/ready`)];
  for (const url of urls) {
    await expect(fetch(url), url).rejects.toThrow();
  }
});

test('every built-in report has a snapshot and a PDF of one page or more', () => {
  expect(INDEX.snapshots.filter((s) => !s.each).map((s) => s.id).sort()).toEqual([...BUILT_IN_REPORTS].sort());
  for (const { file } of INDEX.snapshots) {
    const pdf = readFileSync(join(PUBLISHED_DIR, 'snapshots', file.replace(/\.json$/, '.pdf')));
    expect(pdf.subarray(0, 5).toString(), file).toBe('%PDF-');
    const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length;
    expect(pages, file).toBeGreaterThanOrEqual(1);
  }
});

test('no file of the published site holds the token or its Authorization header', () => {
  const all = files(PUBLISHED_DIR);
  expect(all.length).toBeGreaterThan(10);
  for (const path of all) {
    const bytes = readFileSync(path).toString('latin1');
    expect(bytes.includes(STATE.token), path).toBe(false);
    expect(bytes.includes(`Bearer ${STATE.token}`), path).toBe(false);
  }
});

for (const { id } of INDEX.snapshots) {
  test(`${id} is drawn from its snapshot, under the banner, asking nothing of any other server`, async ({ page }) => {
    const requests = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`${SITE}#/${id}`);
    await expect(page.getByTestId('report')).toHaveAttribute('data-report', id);
    await expect(page.getByTestId('snapshot-banner')).toHaveText(
      /^Snapshot of 127\.0\.0\.1:3250, taken \d{4}-\d\d-\d\d \d\d:\d\d UTC\. Connect to see live data\./,
    );
    await allCellsSettled(page);
    const states = await page.getByTestId('cell').evaluateAll((cells) => cells.map((c) => c.dataset.state));
    expect(states.length).toBeGreaterThan(0);
    expect(states.every((s) => s === 'drawn'), states.join(', ')).toBe(true);
    await expect(page.locator('[data-testid=cell] [data-testid=error]')).toHaveCount(0);
    // The values in the prose are answered from the snapshot as well.
    const values = await proseValues(page);
    expect(values.map((v) => v.state)).toEqual(values.map(() => 'shown'));
    expect(requests.filter((u) => !u.startsWith(SITE))).toEqual([]);
    await page.screenshot({ path: `target/e2e-results/publish/${id}.png`, fullPage: true });
  });
}

test('hub activity per hub (snapshot --each): one snapshot per hub, grouped and filtered in the gallery, each with its hub\'s generated values', async ({ page }) => {
  const each = INDEX.snapshots.filter((s) => s.each);
  const hubs = [...new Set(STATE.expected.series.map((s) => s.namespace))];
  // Every hub with data in the report's month (the two retired long ago have none).
  expect(each.map((s) => s.each.value).sort()).toEqual(expect.arrayContaining(hubs.sort()));
  expect(each.every((s) => s.id === `hub-activity--${s.each.value}` && s.title === `Hub activity — ${s.each.value}`)).toBe(true);
  await page.goto(SITE);
  const group = page.locator('[data-testid=report-group][data-report=hub-activity]');
  await expect(group.locator('summary')).toHaveText(`Hub activity · ${each.length} × Hub`);
  await group.locator('summary').click();
  await group.getByTestId('group-filter').fill('stag');
  await expect(group.getByTestId('report-link').filter({ visible: true })).toHaveText(['staging']);
  await group.getByTestId('report-link').filter({ visible: true }).click();
  await expect(page.getByTestId('report')).toHaveAttribute('data-report', 'hub-activity--staging');
  // The list closes on a pick, and the entry says which hub is shown.
  await expect(group).not.toHaveAttribute('open', '');
  await expect(group.locator('summary')).toHaveText(`Hub activity — staging · ${each.length} × Hub`);
  await allCellsSettled(page);
  const traces = await page.evaluate(() =>
    document.querySelector('[data-testid=chart]').data.map((t) => ({ name: t.name, x: [...t.x], y: [...t.y] })),
  );
  const staging = STATE.expected.series.filter((s) => s.namespace === 'staging');
  expect(traces.map((t) => t.name).sort()).toEqual(staging.map((s) => `${s.datasource} / staging`).sort());
  for (const series of staging) {
    const trace = traces.find((t) => t.name === `${series.datasource} / staging`);
    trace.x.slice(0, -1).forEach((day, i) => expect(trace.y[i], `${trace.name} on ${day}`).toBe(series.daily[day] ?? null));
  }
  expect(await page.locator('[data-testid=variable][data-name=hub]').evaluate((s) => [...s.selectedOptions].map((o) => o.value))).toEqual(['staging']);
});

test('hub activity from the snapshot shows the generated values, with variables frozen to the captured ones', async ({ page }) => {
  await page.goto(`${SITE}#/hub-activity`);
  await allCellsSettled(page);
  const traces = await page.evaluate(() =>
    document.querySelector('[data-testid=chart]').data.map((t) => ({ name: t.name, x: [...t.x], y: [...t.y] })),
  );
  const expected = STATE.expected.series;
  expect(traces.map((t) => t.name).sort()).toEqual(expected.map((s) => expectedName(s, expected)).sort());
  let checked = 0;
  for (const series of expected) {
    const trace = traces.find((t) => t.name === expectedName(series, expected));
    trace.x.slice(0, -1).forEach((day, i) => {
      expect(trace.y[i], `${trace.name} on ${day}`).toBe(series.daily[day] ?? null);
      checked += 1;
    });
  }
  expect(checked).toBeGreaterThan(250);
  const hub = page.locator('[data-testid=variable][data-name=hub]');
  await expect(hub).toBeDisabled();
  expect(await hub.locator('option').allTextContents()).toEqual(['All']);
  await expect(page.getByTestId('variable-frozen')).toContainText('the snapshot holds these values only');
  await expect(page.locator('[data-testid=datasource][data-status=ok]').first()).toContainText('when the snapshot was taken');
});

test('CSV, PNG and share links work on a snapshot', async ({ page }) => {
  await page.goto(`${SITE}#/hub-activity`);
  await allCellsSettled(page);
  const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-report-csv').click()]);
  const lines = readFileSync(await csv.path(), 'utf8').split('\r\n').filter(Boolean);
  expect(lines[0]).toBe('cell,time,datasource,namespace,value');
  expect(lines.length).toBeGreaterThan(200);
  const chart = page.getByTestId('chart').first();
  await chart.hover();
  const [png] = await Promise.all([page.waitForEvent('download'), chart.locator('.modebar-btn[data-title^="Download plot"]').click()]);
  expect(readFileSync(await png.path()).subarray(1, 4).toString()).toBe('PNG');
  await page.getByTestId('share').click();
  const link = await page.getByTestId('share-link').inputValue();
  expect(link.startsWith(`${SITE}#share=`)).toBe(true);
  expect(link).not.toContain(STATE.token);
});

test('leaving a snapshot: the demo and a share link run without it, with the reader\'s own zone and variables', async ({ page }) => {
  await page.goto(`${SITE}#/hub-activity`);
  await expect(page.getByTestId('snapshot-banner')).toBeVisible();
  await allCellsSettled(page);
  await page.getByTestId('demo').click();
  await expect(page.getByTestId('snapshot-banner')).toHaveCount(0);
  await expect(page.locator('.banner')).toContainText('Showing recorded demo data');
  await allCellsSettled(page);
  const states = await page.getByTestId('cell').evaluateAll((cells) => cells.map((c) => c.dataset.state));
  expect(states.every((s) => s === 'drawn'), states.join(', ')).toBe(true);
  await expect(page.locator('[data-testid=variable][data-name=hub]')).toBeEnabled();
  await expect(page.getByTestId('variable-frozen')).toHaveCount(0);
  await page.getByTestId('share').click();
  const link = await page.getByTestId('share-link').inputValue();
  await page.goto('about:blank');
  await page.goto(link);
  await expect(page.getByTestId('report-title')).toHaveText('Hub activity');
  await expect(page.getByTestId('snapshot-banner')).toHaveCount(0);
});
