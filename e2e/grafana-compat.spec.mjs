// Grafana as it really behaves (docs/grafana-contract.md): its other query route (Amazon
// and Azure managed Prometheus, datasources whose proxy refuses, uids the proxy no longer
// takes) through POST /api/ds/query, with days cut at local midnights (utcOffsetSec); the
// proxy's POST refusals in each version's words; its 400 for a datasource's own 401; its
// error bodies and statuses.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect } from '@playwright/test';
import { GRAFANA_PORT } from '../playwright.config.mjs';
import { stackState, watchConsole, extraGrafana, expectedName, openAndConnect, expectDrawn, waitForServer, ReportPage } from './support.mjs';

const SITE = `http://127.0.0.1:${GRAFANA_PORT}/`;
const ORIGIN = `http://127.0.0.1:${GRAFANA_PORT}`;

async function drawnThrough(page, flags) {
  const console_ = watchConsole(page);
  const state = stackState();
  const grafana = await extraGrafana(3110, [...flags, '--cors-origin', ORIGIN]);
  const requests = [];
  page.on('request', (r) => requests.push(`${r.method()} ${r.url()}`));
  try {
    await openAndConnect(page, SITE, { grafanaUrl: grafana.url });
    const cell = page.getByTestId('cell').first();
    await expectDrawn(cell, { timeout: 45_000 });
    await expect(cell.getByTestId('error')).toHaveCount(0);
    await expect(page.locator('[data-testid=datasource][data-uid=prom-south]')).toContainText('through /api/ds/query');
    const traces = await page.evaluate(() => document.querySelector('[data-testid=chart]').data.map((t) => ({ name: t.name, x: [...t.x], y: [...t.y] })));
    // cluster-south's hubs carry the generator's values, day by day.
    const expected = state.expected.series;
    let checked = 0;
    for (const series of expected.filter((s) => s.datasource === 'cluster-south')) {
      const trace = traces.find((t) => t.name === expectedName(series, expected));
      expect(trace, expectedName(series, expected)).toBeDefined();
      trace.x.slice(0, -1).forEach((day, i) => {
        expect(trace.y[i], `${trace.name} on ${day}`).toBe(series.daily[day] ?? null);
        checked += 1;
      });
    }
    expect(checked).toBeGreaterThan(60);
    expect(requests.some((r) => r.startsWith('POST') && r.endsWith('/api/ds/query'))).toBe(true);
    console_.assertNoPanic();
    return requests;
  } finally {
    await grafana.stop();
  }
}

test('an Amazon Managed Prometheus datasource is queried through /api/ds/query', async ({ page }) => {
  const requests = await drawnThrough(page, ['--ds-type', 'prom-south=grafana-amazonprometheus-datasource']);
  expect(requests.filter((r) => r.includes('/proxy/uid/prom-south/'))).toEqual([]);
});

test('a datasource whose proxy refuses the token falls back to /api/ds/query', async ({ page }) => {
  await drawnThrough(page, ['--deny-proxy-uid', 'prom-south']);
});

// Grafana 8-12's allow-list wording, the newer one (the plugin type in lower case), and a
// route whose role the token lacks: each time the same queries go as GET and draw.
const REFUSALS = [
  ['non allow-listed POSTs … Prometheus datasource (Grafana 8-12)', ['--no-post-uid', 'prom-west'], 'non allow-listed POSTs not allowed on proxied Prometheus datasource'],
  ['non allow-listed POSTs … prometheus datasource (newer)', ['--no-post-uid', 'prom-west', '--post-refusal', 'typed'], 'non allow-listed POSTs not allowed on proxied prometheus datasource'],
  ['plugin proxy route access denied', ['--route-denied-uid', 'prom-west'], 'plugin proxy route access denied'],
];
for (const [name, flags, said] of REFUSALS) test(`a proxy that refuses POSTs (${name}): the same queries go as GET and draw`, async ({ page }) => {
  const console_ = watchConsole(page);
  const state = stackState();
  const grafana = await extraGrafana(3119, [...flags, '--cors-origin', ORIGIN]);
  const requests = [];
  page.on('requestfinished', async (r) => {
    // A read still pending when the test ends is cut short: the test has what it checks.
    const response = await r.response().catch(() => null);
    const body = response?.status() === 403 ? await response.text().catch(() => '') : '';
    requests.push({ method: r.method(), url: r.url(), status: response?.status(), body });
  });
  try {
    await openAndConnect(page, SITE, { grafanaUrl: grafana.url });
    const cell = page.getByTestId('cell').first();
    await expectDrawn(cell, { timeout: 45_000 });
    await expect(cell.getByTestId('error')).toHaveCount(0);
    await expect(page.locator('[data-testid=datasource][data-uid=prom-west]')).toHaveAttribute('data-status', 'ok');
    const west = requests.filter((r) => r.url.includes('/uid/prom-west/api/v1/query_range'));
    expect(west.some((r) => r.method === 'POST' && r.status === 403 && JSON.parse(r.body).message === said)).toBe(true);
    expect(west.some((r) => r.method === 'GET' && r.status === 200 && r.url.includes('query=') && r.url.includes('step='))).toBe(true);
    const traces = await page.evaluate(() => document.querySelector('[data-testid=chart]').data.map((t) => ({ name: t.name, x: [...t.x], y: [...t.y] })));
    const expected = state.expected.series;
    for (const series of expected.filter((s) => s.datasource === 'cluster-west')) {
      const trace = traces.find((t) => t.name === expectedName(series, expected));
      trace.x.slice(0, -1).forEach((day, i) => expect(trace.y[i], `${trace.name} on ${day}`).toBe(series.daily[day] ?? null));
    }
    console_.assertNoPanic();
  } finally {
    await grafana.stop();
  }
});

/** A Prometheus that demands HTTP Basic sign-in, which Grafana's datasource settings lack. */
async function lockedPrometheus(port) {
  const dir = mkdtempSync(join(tmpdir(), 'promnote-locked-'));
  const hash = execFileSync('caddy', ['hash-password', '--plaintext', 'secret'], { encoding: 'utf8' }).trim();
  writeFileSync(join(dir, 'web.yml'), `basic_auth_users:\n  promnote: ${hash}\n`);
  writeFileSync(join(dir, 'prometheus.yml'), 'global: {}\n');
  const child = spawn('prometheus', [
    `--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`, `--web.config.file=${join(dir, 'web.yml')}`, '--log.level=error',
  ], { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await waitForServer(`http://127.0.0.1:${port}/-/healthy`).catch(() => {});
  return { url: `http://127.0.0.1:${port}`, stop: async () => { child.kill(); await exited; } };
}

/** The stack's Grafana config with other datasources, in a file of its own. */
function configWith(datasources) {
  const state = stackState();
  const config = JSON.parse(readFileSync(state.grafana_config, 'utf8'));
  config.datasources = datasources(config.datasources);
  const dir = mkdtempSync(join(tmpdir(), 'promnote-grafana-'));
  const path = join(dir, 'grafana.json');
  writeFileSync(path, JSON.stringify(config));
  return path;
}

test('a datasource that refuses Grafana\'s own credentials: Grafana says 400, the page says the datasource refused them', async ({ page }) => {
  const console_ = watchConsole(page);
  const locked = await lockedPrometheus(3117);
  const config = configWith((all) => [...all, { uid: 'prom-locked', name: 'cluster-locked', type: 'prometheus', url: locked.url }]);
  const grafana = await extraGrafana(3118, ['--cors-origin', ORIGIN], { config });
  const statuses = [];
  page.on('response', async (r) => {
    // A read still pending when the test ends is cut short: the test has what it checks.
    if (r.url().includes('/uid/prom-locked/')) statuses.push([r.status(), await r.text().catch(() => '(not read: the test ended)')]);
  });
  try {
    await openAndConnect(page, SITE, { grafanaUrl: grafana.url });
    const badge = page.locator('[data-testid=datasource][data-uid=prom-locked]');
    await expect(badge).toHaveAttribute('data-status', 'error', { timeout: 30_000 });
    const cell = page.getByTestId('cell').first();
    await expectDrawn(cell, { timeout: 45_000 });
    await expect(cell.getByTestId('error')).toContainText("cluster-locked refused Grafana's credentials");
    await expect(cell.getByTestId('error')).toContainText('Connections → Data sources → cluster-locked');
    // Grafana's modifyResponse: not the upstream's 401, a plain-text 400.
    expect(statuses.length).toBeGreaterThan(0);
    for (const [status, text] of statuses) expect([status, text]).toEqual([400, 'Authentication to data source failed']);
    console_.assertNoPanic();
  } finally {
    await grafana.stop();
    await locked.stop();
  }
});

test('a datasource whose old uid the proxy refuses ("UID is invalid") is queried through /api/ds/query', async ({ page }) => {
  const console_ = watchConsole(page);
  const state = stackState();
  const config = configWith((all) => all.map((ds) => (ds.uid === 'prom-south' ? { ...ds, uid: 'prom.south' } : ds)));
  const grafana = await extraGrafana(3116, ['--cors-origin', ORIGIN], { config });
  try {
    await openAndConnect(page, SITE, { grafanaUrl: grafana.url });
    const badge = page.locator('[data-testid=datasource][data-uid="prom.south"]');
    await expect(badge).toContainText('through /api/ds/query', { timeout: 30_000 });
    const cell = page.getByTestId('cell').first();
    await expectDrawn(cell, { timeout: 45_000 });
    await expect(cell.getByTestId('error')).toHaveCount(0);
    const names = await page.evaluate(() => document.querySelector('[data-testid=chart]').data.map((t) => t.name));
    const expected = state.expected.series;
    for (const series of expected.filter((s) => s.datasource === 'cluster-south')) expect(names).toContain(expectedName(series, expected));
    console_.assertNoPanic();
  } finally {
    await grafana.stop();
  }
});

for (const [zone, key] of [['Europe/Berlin', 'europe_berlin'], ['America/St_Johns', 'america_st_johns']]) {
  test.describe(`in a browser set to ${zone}`, () => {
    test.use({ timezoneId: zone });
    test(`days through /api/ds/query cut at ${zone} midnights (utcOffsetSec), with the generator's values`, async ({ page }) => {
      const console_ = watchConsole(page);
      const state = stackState();
      const grafana = await extraGrafana(3114, ['--ds-type', 'prom-south=grafana-amazonprometheus-datasource', '--cors-origin', ORIGIN]);
      const bodies = [];
      page.on('request', (r) => {
        if (r.url().endsWith('/api/ds/query')) bodies.push(JSON.parse(r.postData()));
      });
      try {
        await openAndConnect(page, SITE, { grafanaUrl: grafana.url });
        const cell = page.getByTestId('cell').first();
        await expectDrawn(cell, { timeout: 45_000 });
        const runs = Number(await cell.getAttribute('data-runs'));
        bodies.length = 0;
        await page.getByTestId('time-zone').selectOption(zone);
        await expect(cell).not.toHaveAttribute('data-runs', String(runs));
        await expectDrawn(cell, { timeout: 45_000 });
        const ranges = bodies.filter((b) => !b.queries[0].instant && b.queries[0].expr.includes('jupyterhub_active_users'));
        expect(ranges.length).toBeGreaterThan(0);
        for (const body of ranges) {
          const offset = body.queries[0].utcOffsetSec;
          expect(zone === 'Europe/Berlin' ? [3600, 7200] : [-12600, -9000]).toContain(offset);
          // The start is a local midnight: Grafana's alignment keeps it.
          expect((Number(body.from) / 1000 + offset) % 86_400).toBe(0);
        }
        const traces = await page.evaluate(() => document.querySelector('[data-testid=chart]').data.map((t) => ({ name: t.name, x: [...t.x], y: [...t.y] })));
        const expected = state.expected[key];
        let checked = 0;
        for (const series of expected.filter((s) => s.datasource === 'cluster-south')) {
          const trace = traces.find((t) => t.name === expectedName(series, expected));
          expect(trace, expectedName(series, expected)).toBeDefined();
          trace.x.slice(0, -1).forEach((day, i) => {
            expect(trace.y[i], `${trace.name} on ${day} (${zone})`).toBe(series.daily[day] ?? null);
            checked += 1;
          });
        }
        expect(checked).toBeGreaterThan(60);
        console_.assertNoPanic();
      } finally {
        await grafana.stop();
      }
    });
  });
}

test('a disabled service account\'s token: the page says the account is disabled', async ({ page }) => {
  const console_ = watchConsole(page);
  const state = stackState();
  await page.goto(SITE);
  await new ReportPage(page).connect(state.grafana_url, 'glsa_disabled_token');
  await expect(page.getByTestId('error').first()).toContainText('its service account is disabled');
  console_.assertNoPanic();
});

test('the Grafana-compatible server answers as Grafana does (bodies and statuses of pkg/api)', async () => {
  const state = stackState();
  const auth = { Authorization: `Bearer ${state.token}` };
  const at = (path, init = {}) => fetch(`${state.grafana_url}${path}`, { ...init, headers: { ...auth, ...(init.headers ?? {}) } });
  const dsQuery = (queries) => at('/api/ds/query', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ from: '1000', to: '2000', queries }) });

  let r = await dsQuery([{ refId: 'A', datasource: { uid: 'no-such-ds' }, expr: 'up' }]);
  expect([r.status, (await r.json()).message]).toEqual([404, 'Data source not found']);
  r = await dsQuery([{ refId: 'A', expr: 'up' }]);
  expect([r.status, (await r.json()).messageId]).toEqual([400, 'query.invalidDatasourceId']);
  r = await at('/api/datasources/proxy/uid/bad.uid/api/v1/query?query=1');
  expect([r.status, (await r.json()).message]).toEqual([400, 'UID is invalid']);
  r = await at('/api/datasources/proxy/uid/no-such-ds/api/v1/query?query=1');
  expect([r.status, (await r.json()).message]).toEqual([404, 'Unable to find datasource']);
  r = await at('/api/datasources/proxy/uid/prom-north/api/v1/query?query=1');
  expect(r.headers.get('content-security-policy')).toBe('sandbox');
  // __name__ stays in the frames' labels.
  const now = Date.now();
  r = await at('/api/ds/query', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ from: String(now - 3_600_000), to: String(now), queries: [{ refId: 'A', datasource: { uid: 'prom-north' }, expr: 'jupyterhub_active_users{period="24h"}', intervalMs: 600_000 }] }) });
  const frames = (await r.json()).results.A.frames;
  expect(frames[0].schema.fields[1].labels.__name__).toBe('jupyterhub_active_users');
  for (const [token, message, id] of [
    ['glsa_expired_token', 'Expired API key', 'api-key.expired'],
    ['glsa_revoked_token', 'Revoked API key', 'api-key.revoked'],
    ['glsa_disabled_token', 'Unauthorized', 'identity.disabled'],
    ['glsa_unknown', 'Invalid API key', 'api-key.invalid'],
  ]) {
    r = await fetch(`${state.grafana_url}/api/datasources`, { headers: { Authorization: `Bearer ${token}` } });
    const body = await r.json();
    expect([r.status, body.message, body.messageId, body.statusCode]).toEqual([401, message, id, 401]);
  }
  const forbidden = await extraGrafana(3113, ['--datasources-forbidden']);
  try {
    r = await fetch(`${forbidden.url}api/datasources`, { headers: auth });
    const body = await r.json();
    expect(r.status).toBe(403);
    expect(body.title).toBe('Access denied');
    expect(body.message).toBe("You'll need additional permissions to perform this action. Permissions needed: datasources:read");
    expect(body.accessErrorId).toMatch(/^ACE\d{10}$/);
  } finally {
    await forbidden.stop();
  }
});

test('the Grafana-compatible server answers /api/annotations as Grafana does: range, tags, newest first, dashboards the token may read', async () => {
  const state = stackState();
  const config = JSON.parse(readFileSync(state.grafana_config, 'utf8'));
  const get = async (base, query, token = state.token) => {
    const r = await fetch(`${base}api/annotations?${query}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
    return [r.status, await r.json()];
  };
  const base = `${state.grafana_url}/`;
  const ids = (body) => body.map((a) => a.id);
  const all = [...config.annotations].sort((a, b) => b.time - a.time);
  let [status, body] = await get(base, 'from=0&to=99999999999999');
  expect([status, ids(body)]).toEqual([200, ids(all)]);
  expect(Object.keys(body[0])).toEqual(expect.arrayContaining(['id', 'dashboardUID', 'time', 'timeEnd', 'text', 'tags']));
  [status, body] = await get(base, 'from=0&to=99999999999999&tags=deploy');
  expect(ids(body)).toEqual(ids(all.filter((a) => a.tags.includes('deploy'))));
  [status, body] = await get(base, 'from=0&to=99999999999999&tags=deploy&tags=maintenance');
  expect(ids(body)).toEqual([]);
  [status, body] = await get(base, 'from=0&to=99999999999999&tags=deploy&tags=maintenance&matchAny=true');
  expect(ids(body)).toEqual(ids(all));
  // A region counts while it overlaps the range.
  const region = config.annotations.find((a) => a.timeEnd > a.time);
  [status, body] = await get(base, `from=${region.timeEnd - 1}&to=${region.timeEnd}&tags=maintenance`);
  expect(ids(body)).toEqual([region.id]);
  [status, body] = await get(base, 'from=0&to=99999999999999&limit=1');
  expect(ids(body)).toEqual([all[0].id]);
  [status, body] = await get(base, 'from=0&to=1', null);
  expect([status, body.message]).toEqual([401, 'Unauthorized']);
  // A note on a dashboard the token may not read is left out.
  const denied = await extraGrafana(3133, ['--deny-dashboard', 'node-exporter-full']);
  try {
    [status, body] = await get(denied.url, 'from=0&to=99999999999999');
    expect(ids(body)).toEqual(ids(all.filter((a) => a.dashboardUID !== 'node-exporter-full')));
  } finally {
    await denied.stop();
  }
});
