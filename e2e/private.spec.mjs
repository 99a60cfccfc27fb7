// A private (sealed) published site, as its readers get it: `promnote snapshot --encrypt`
// against the real stack, the built site beside it, served by a plain static server. In
// Chromium, the passphrase opens it (WebCrypto) and the report draws the generator's
// exact values; its CSV downloads opened; a wrong passphrase, an altered file and a file
// sealed with another passphrase each say so. And a public site's history: earlier
// snapshots listed and opened, and the periods kept from them said in the banner.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect } from '@playwright/test';
import { stackState, allCellsSettled, expectedName, waitForServer, watchConsole } from './support.mjs';

const PROMNOTE = process.env.PROMNOTE_BIN ?? 'target/debug/promnote';
const PORT = 3142;
const PASSPHRASE = 'amber kettle 73 horizon';

function promnote(args, env = {}) {
  const result = spawnSync(PROMNOTE, args, { encoding: 'utf8', timeout: 120_000, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } });
  if (result.error) throw result.error;
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

let root;
let server;
let console_;
test.beforeAll(async () => {
  const state = stackState();
  root = mkdtempSync(join(tmpdir(), 'promnote-private-'));
  // Three sites beside each other: sealed, sealed then altered, public with history.
  for (const name of ['sealed', 'altered', 'public']) cpSync('dist', join(root, name), { recursive: true });
  for (const name of ['sealed', 'altered']) {
    const out = promnote(['--grafana', state.grafana_url, 'snapshot', 'reports/hub-activity.md', 'reports/service-metrics.md', '--out', join(root, name, 'snapshots'), '--encrypt', '-q'], { GRAFANA_TOKEN: state.token, PROMNOTE_PASSPHRASE: PASSPHRASE });
    expect(out.code, out.stderr).toBe(0);
  }
  const out = promnote(['--grafana', state.grafana_url, 'snapshot', 'reports/hub-activity.md', '--out', join(root, 'public', 'snapshots'), '--history', join(root, 'public', 'snapshots', 'history'), '-q'], { GRAFANA_TOKEN: state.token });
  expect(out.code, out.stderr).toBe(0);
  server = spawn('python3', ['dev/serve_static.py', '--port', String(PORT), '--mount', `/s/=${root}`], { stdio: 'ignore' });
  await waitForServer(`http://127.0.0.1:${PORT}/s/sealed/`);
});
test.afterAll(() => server?.kill());
test.beforeEach(async ({ page }) => {
  console_ = watchConsole(page);
});
test.afterEach(async () => {
  console_.assertNoPanic();
});

/** The opened index of a sealed site. */
function sealedIndex(site) {
  const out = promnote(['site-index', join(root, site, 'snapshots'), '--encrypt'], { PROMNOTE_PASSPHRASE: PASSPHRASE });
  expect(out.code, out.stderr).toBe(0);
  return JSON.parse(out.stdout);
}

async function unlock(page, passphrase) {
  await page.getByTestId('passphrase').fill(passphrase);
  await page.getByTestId('unlock-button').click();
}

test('the passphrase opens a sealed site: the report draws the generator\'s values, and its CSV downloads opened', async ({ page }) => {
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(`http://127.0.0.1:${PORT}/s/sealed/#/hub-activity`);
  await expect(page.getByTestId('unlock')).toBeVisible();
  await page.screenshot({ path: 'target/e2e-results/private-locked.png', fullPage: true });
  await unlock(page, 'not the passphrase');
  await expect(page.getByTestId('unlock-problem')).toHaveText(/This passphrase does not open this site's reports/);
  await unlock(page, PASSPHRASE);
  await expect(page.getByTestId('report')).toHaveAttribute('data-report', 'hub-activity');
  await expect(page.getByTestId('snapshot-banner')).toContainText('Snapshot of 127.0.0.1:');
  await allCellsSettled(page);
  const traces = await page.evaluate(() =>
    document.querySelector('[data-testid=chart]').data.map((t) => ({ name: t.name, x: [...t.x], y: [...t.y] })),
  );
  const expected = stackState().expected.series;
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
  await page.screenshot({ path: 'target/e2e-results/private-open.png', fullPage: true });
  // The sealed report CSV, opened in the page, is the page's own report CSV, byte for byte.
  const [sealed] = await Promise.all([page.waitForEvent('download'), page.getByTestId('attachments').getByTestId('attachment-csv').click()]);
  expect(sealed.suggestedFilename()).toBe('Hub activity.csv');
  const [own] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-report-csv').click()]);
  expect(readFileSync(await sealed.path(), 'utf8')).toBe(readFileSync(await own.path(), 'utf8'));
  // The passphrase never left the page: in no request, and not in the address.
  expect(requests.filter((u) => u.includes('amber'))).toEqual([]);
  expect(page.url()).not.toContain('amber');
  // The gallery lists the reports by their titles, from the opened index.
  await expect(page.getByTestId('report-link')).toHaveText(['Hub activity', 'Service metrics']);
});

test('an altered file, and a file sealed with another passphrase, each say so; the other reports still open', async ({ page }) => {
  const index = sealedIndex('altered');
  const hub = index.snapshots.find((e) => e.id === 'hub-activity');
  const metrics = index.snapshots.find((e) => e.id === 'service-metrics');
  // One byte of hub-activity's ciphertext flipped.
  const path = join(root, 'altered', 'snapshots', hub.file);
  const bytes = readFileSync(path);
  bytes[bytes.length - 40] ^= 0x01;
  writeFileSync(path, bytes);
  // service-metrics replaced by a file another run sealed with another passphrase.
  const other = join(mkdtempSync(join(tmpdir(), 'promnote-other-')), 'snapshots');
  const state = stackState();
  const out = promnote(['--grafana', state.grafana_url, 'snapshot', 'reports/service-metrics.md', '--out', other, '--encrypt', '-q'], { GRAFANA_TOKEN: state.token, PROMNOTE_PASSPHRASE: 'a different passphrase entirely' });
  expect(out.code, out.stderr).toBe(0);
  const theirs = JSON.parse(promnote(['site-index', other, '--encrypt'], { PROMNOTE_PASSPHRASE: 'a different passphrase entirely' }).stdout).snapshots[0];
  writeFileSync(join(root, 'altered', 'snapshots', metrics.file), readFileSync(join(other, theirs.file)));

  await page.goto(`http://127.0.0.1:${PORT}/s/altered/#/hub-activity`);
  await unlock(page, PASSPHRASE);
  await expect(page.getByRole('alert').filter({ hasText: 'The snapshot of Hub activity' })).toHaveText(/The snapshot of Hub activity is damaged or was altered after it was sealed/);
  await page.getByTestId('report-link').filter({ hasText: 'Service metrics' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'The snapshot of Service metrics' })).toHaveText(/The snapshot of Service metrics was sealed with another passphrase than the rest of this site/);
  // A readable index put in place of the sealed one is not this site's.
  const sealedIndexFile = join(root, 'altered', 'snapshots', 'index.json');
  const kept = readFileSync(sealedIndexFile);
  writeFileSync(sealedIndexFile, readFileSync(join(root, 'public', 'snapshots', 'index.json')));
  try {
    await page.goto(`http://127.0.0.1:${PORT}/s/altered/?plain#/hub-activity`);
    await expect(page.getByRole('alert').filter({ hasText: "The site's snapshot index" })).toHaveText(/The site's snapshot index is damaged or was altered/);
    await expect(page.getByTestId('snapshot-banner')).toHaveCount(0);
  } finally {
    writeFileSync(sealedIndexFile, kept);
  }
});

test('a public site lists its earlier snapshots and opens one; periods kept from earlier snapshots are said', async ({ page }) => {
  const dir = join(root, 'public', 'snapshots');
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'));
  const entry = index.snapshots[0];
  const today = entry.history[0];
  // An earlier day's copy, as a run three days ago left it, with a period it had kept.
  const earlier = JSON.parse(readFileSync(join(dir, today.file), 'utf8'));
  earlier.taken_at_ms -= 3 * 86_400_000;
  earlier.carried = [{ datasource: 'cluster-west', from_ms: Date.UTC(2026, 7, 1), to_ms: Date.UTC(2026, 8, 15), taken_at_ms: Date.UTC(2026, 8, 16, 6) }];
  const day = new Date(earlier.taken_at_ms).toISOString().slice(0, 10);
  const file = `history/${day}/hub-activity.json`;
  cpSync(join(dir, today.file), join(dir, file));
  writeFileSync(join(dir, file), JSON.stringify(earlier));
  entry.history.push({ taken_at_ms: earlier.taken_at_ms, file });
  writeFileSync(join(dir, 'index.json'), JSON.stringify(index));

  await page.goto(`http://127.0.0.1:${PORT}/s/public/#/hub-activity`);
  await allCellsSettled(page);
  const links = page.getByTestId('earlier-snapshots').getByTestId('earlier-snapshot');
  await expect(links).toHaveText([today.file.split('/')[1], day]);
  await expect(links.first()).toHaveAttribute('aria-current', 'page');
  await links.nth(1).click();
  await expect(page).toHaveURL(new RegExp(`#/hub-activity@${day}$`));
  await expect(page.getByTestId('snapshot-banner')).toContainText(`taken ${day} `);
  await expect(page.getByTestId('snapshot-banner')).toContainText('Kept from earlier snapshots, which the servers no longer return: cluster-west: 2026-08-01 to 2026-09-15, from the snapshot taken 2026-09-16 06:00 UTC.');
  await allCellsSettled(page);
  await expect(page.getByTestId('earlier-snapshots').locator('[aria-current=page]')).toHaveText(day);
  await page.screenshot({ path: 'target/e2e-results/private-history.png', fullPage: true });
});
