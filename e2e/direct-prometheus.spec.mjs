// "Prometheus directly": the page calls a Prometheus-compatible API itself, alone or beside
// Grafana's datasources. The stack's real Prometheus servers sit on other ports than the
// page, so every call here is cross-origin and relies on Prometheus' own CORS answers.
// Sign-in is tested through docs/prometheus/Caddyfile (Basic, run as written) and a Caddy
// that demands a bearer token; a Prometheus with basic_auth_users in its web config shows
// why that does not work from a browser (it refuses the preflight).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect } from '@playwright/test';
import { GRAFANA_PORT } from '../playwright.config.mjs';
import { stackState, watchConsole, watchAuthorization, ReportPage, expectedName, fillRecipe, waitForServer, runCaddy, connectDirect as connectTo } from './support.mjs';

const SITE = `http://127.0.0.1:${GRAFANA_PORT}/`;
const PAGE_ORIGIN = `http://127.0.0.1:${GRAFANA_PORT}`;
const connectDirect = (page, promUrl, options) => connectTo(page, SITE, promUrl, options);

let console_;
test.beforeEach(async ({ page }) => {
  console_ = watchConsole(page);
});
test.afterEach(async () => {
  console_.assertNoPanic();
});

/**
 * The requests that carried an Authorization header, once every header read is done;
 * a request whose headers could not be read went nowhere but the page's own origin or
 * `allowed` (where credentials may go).
 */
async function authorizedRequests(watched, allowed) {
  const { authorized, unread } = await watched.settled();
  for (const url of unread) expect([new URL(SITE).origin, allowed]).toContain(new URL(url).origin);
  return authorized.map(({ origin, auth }) => ({ origin, auth }));
}

function hashPassword(password) {
  return execFileSync('caddy', ['hash-password', '--plaintext', password], { encoding: 'utf8' }).trim();
}

test('a Prometheus alone, called directly from another origin, draws the report with the generated values', async ({ page }) => {
  const state = stackState();
  const north = state.prometheus[0];
  const url = `http://127.0.0.1:${north.port}/`;
  const watched = watchAuthorization(page);
  const report = await connectDirect(page, url);
  await expect(report.datasources).toHaveCount(1);
  await report.waitDrawn();
  await expect(report.datasources.first()).toHaveAttribute('data-status', 'ok');
  await expect(report.datasources.first()).toContainText('called directly');
  await expect(page.getByText(`Connected to ${url}`)).toBeVisible();

  const expected = state.expected.series.filter((s) => s.datasource === north.name);
  const traces = await report.traces();
  expect(traces.map((t) => t.name).sort()).toEqual(expected.map((s) => s.namespace).sort());
  let checked = 0;
  for (const series of expected) {
    const trace = traces.find((t) => t.name === series.namespace);
    trace.x.slice(0, -1).forEach((day, i) => {
      expect(trace.y[i], `${trace.name} on ${day}`).toBe(series.daily[day] ?? null);
      checked += 1;
    });
  }
  expect(checked).toBeGreaterThan(50);
  const authorized = await authorizedRequests(watched, new URL(url).origin);
  expect(authorized, 'no credentials were configured, none are sent').toEqual([]);
});

test('a Prometheus beside Grafana: one more datasource, and its hubs never merge with the same hubs seen through Grafana', async ({ page }) => {
  const state = stackState();
  const north = state.prometheus[0];
  const host = `127.0.0.1:${north.port}`;
  const report = await connectDirect(page, `http://${host}`, { grafana: { url: state.grafana_url, token: state.token } });
  await expect(report.datasources).toHaveCount(5);
  await report.waitDrawn();
  expect(await report.statusByName()).toEqual({
    'cluster-north': 'ok', 'cluster-south': 'ok', 'cluster-west': 'ok', [host]: 'ok', Logs: 'unsupported',
  });
  const all = state.expected.series;
  const twice = [...all, ...all.filter((s) => s.datasource === north.name).map((s) => ({ ...s, datasource: host }))];
  const traces = await report.traces();
  expect(traces.map((t) => t.name).sort()).toEqual(twice.map((s) => expectedName(s, twice)).sort());
  const northHub = all.find((s) => s.datasource === north.name);
  const a = traces.find((t) => t.name === `cluster-north / ${northHub.namespace}`);
  const b = traces.find((t) => t.name === `${host} / ${northHub.namespace}`);
  expect(b.y.slice(0, -1)).toEqual(a.y.slice(0, -1));
  await page.screenshot({ path: 'target/e2e-results/direct-prometheus.png', fullPage: true });
});

test('Basic sign-in through the tested Caddy recipe: a wrong password is named as such, the right one draws, and the password goes nowhere else', async ({ page }) => {
  const state = stackState();
  const port = 3113;
  const recipe = fillRecipe('docs/prometheus/Caddyfile', [
    ['prometheus.example.org {', `http://127.0.0.1:${port} {`],
    ['https://you.github.io', PAGE_ORIGIN],
    ['promnote $2a$14$REPLACE.WITH.THE.OUTPUT.OF.caddy.hash-password', `promnote ${hashPassword('pa ss:wörd')}`],
    ['127.0.0.1:9090', `127.0.0.1:${state.prometheus[1].port}`],
  ]);
  const stop = await runCaddy(recipe, port);
  try {
    const url = `http://127.0.0.1:${port}/`;
    const watched = watchAuthorization(page);
    let report = await connectDirect(page, url, { auth: 'basic', user: 'promnote', secret: 'wrong' });
    await expect(report.datasources.first()).toHaveAttribute('data-status', 'error');
    await expect(report.errors.first()).toContainText('refused the credentials given for it (HTTP 401)');
    await expect(report.errors.first()).not.toContainText('wrong');

    report = await connectDirect(page, url, { auth: 'basic', user: 'promnote', secret: 'pa ss:wörd' });
    await report.waitDrawn();
    const south = state.expected.series.filter((s) => s.datasource === state.prometheus[1].name);
    expect((await report.traces()).length).toBe(south.length);
    const right = `Basic ${Buffer.from('promnote:pa ss:wörd').toString('base64')}`;
    const authorized = await authorizedRequests(watched, `http://127.0.0.1:${port}`);
    expect(authorized.filter((r) => r.auth === right).length).toBeGreaterThan(2);
    for (const { origin } of authorized) expect(origin).toBe(`http://127.0.0.1:${port}`);
    const storage = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
    for (const text of [page.url(), storage, console_.messages.join('\n')]) {
      expect(text).not.toContain('pa ss:wörd');
      expect(text).not.toContain(right.slice(6));
    }
  } finally {
    stop();
  }
});

test('bearer sign-in: the token goes only to that Prometheus, and is kept for the tab only when asked', async ({ page }) => {
  const state = stackState();
  const port = 3114;
  const token = 'prom-token-' + Math.random().toString(36).slice(2);
  const stop = await runCaddy(`http://127.0.0.1:${port} {
	header Access-Control-Allow-Origin "${PAGE_ORIGIN}"
	@refused {
		not method OPTIONS
		not header Authorization "Bearer ${token}"
	}
	respond @refused 401
	reverse_proxy 127.0.0.1:${state.prometheus[2].port} {
		header_down -Access-Control-Allow-Origin
	}
}
`, port);
  try {
    const url = `http://127.0.0.1:${port}/`;
    const watched = watchAuthorization(page);
    const report = new ReportPage(page);
    await report.open(SITE);
    await page.locator('details.direct summary').click();
    await page.getByTestId('prom-url').fill(url);
    await page.getByTestId('prom-auth-bearer').check();
    await page.getByTestId('prom-secret').fill(token);
    await page.getByTestId('keep-tab').check();
    await report.connectButton.click();
    await report.waitDrawn();
    const authorized = await authorizedRequests(watched, `http://127.0.0.1:${port}`);
    expect(authorized.length).toBeGreaterThan(2);
    for (const r of authorized) expect(r).toEqual({ origin: `http://127.0.0.1:${port}`, auth: `Bearer ${token}` });
    expect(await page.evaluate(() => localStorage.length)).toBe(0);

    await page.reload();
    await expect(page.getByTestId('prom-url')).toHaveValue(url);
    await expect(page.getByTestId('prom-secret')).toHaveValue(token);
    await page.getByTestId('forget-token').click();
    expect(await page.evaluate(() => sessionStorage.length + localStorage.length)).toBe(0);
    await expect(page.getByTestId('prom-secret')).toHaveValue('');
  } finally {
    stop();
  }
});

test('a Prometheus whose own basic_auth_users refuse the preflight gets the CORS explanation, not "wrong password"', async ({ page }) => {
  const dir = mkdtempSync(join(tmpdir(), 'promnote-prom-'));
  const port = 3115;
  writeFileSync(join(dir, 'web.yml'), `basic_auth_users:\n  promnote: ${hashPassword('secret')}\n`);
  writeFileSync(join(dir, 'prometheus.yml'), 'global: {}\n');
  const prometheus = spawn('prometheus', [
    `--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`, `--web.config.file=${join(dir, 'web.yml')}`, '--log.level=error',
  ], { stdio: 'ignore' });
  try {
    await waitForServer(`http://127.0.0.1:${port}/`);
    const report = await connectDirect(page, `http://127.0.0.1:${port}/`, { auth: 'basic', user: 'promnote', secret: 'secret' });
    await expect(report.datasources.first()).toHaveAttribute('data-status', 'error');
    await expect(report.errors.first()).toContainText('preflight');
    await expect(report.errors.first()).toContainText(PAGE_ORIGIN);
  } finally {
    prometheus.kill();
  }
});

test('Prometheus addresses that point at a page or carry credentials are refused before any request', async ({ page }) => {
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  const cases = [
    ['http://prometheus:9090/graph', 'points at a page or an API call'],
    ['http://prometheus:9090/api/v1/query', 'points at a page or an API call'],
    ['https://u:p@prometheus/', 'choose "Basic" sign-in instead'],
    ['prometheus:9090', 'Only http:// and https://'],
  ];
  for (const [url, message] of cases) {
    const report = await connectDirect(page, url);
    await expect(report.errors.first()).toContainText(message);
  }
  expect(requests.filter((u) => !u.startsWith(PAGE_ORIGIN))).toEqual([]);
  // Nothing typed at all.
  const report = new ReportPage(page);
  await report.open(SITE);
  await report.connectButton.click();
  await expect(report.errors.first()).toContainText('or the address of a Prometheus to query directly');
});

test.describe('on an https page', () => {
  test.use({ ignoreHTTPSErrors: true });

  test('plain-http servers are refused as mixed content before any request, except loopback ones, which browsers allow', async ({ page }) => {
    const state = stackState();
    const port = 3118;
    const stop = await runCaddy(`https://127.0.0.1:${port} {
	tls internal
	root * ${process.cwd()}/dist
	file_server
}
`, port);
    try {
      const site = `https://127.0.0.1:${port}/`;
      const requests = [];
      page.on('request', (r) => requests.push(r.url()));
      const report = new ReportPage(page);
      await report.open(site);
      await report.connect('http://grafana.example.org:3000/', 'glsa_x');
      await expect(report.errors.first()).toContainText('This page was loaded over https, so the browser will not let it call http://grafana.example.org:3000');
      await report.url.fill('');
      await page.locator('details.direct summary').click();
      await page.getByTestId('prom-url').fill('http://prometheus.example.org:9090/');
      await report.connectButton.click();
      await expect(report.errors.first()).toContainText('will not let it call http://prometheus.example.org:9090');
      expect(requests.filter((u) => u.includes('example.org'))).toEqual([]);

      // A Prometheus on this machine over http is fine from an https page.
      await page.getByTestId('prom-url').fill(`http://127.0.0.1:${state.prometheus[0].port}/`);
      await report.connectButton.click();
      await report.waitDrawn();
    } finally {
      stop();
    }
  });
});
