// A second implementation of the Prometheus API, not only Prometheus: Debian's
// VictoriaMetrics, holding the first cluster's history (the same samples its Prometheus
// was backfilled with, through VictoriaMetrics' import API) and scraping the stack's real node_exporter. The built-in
// reports and a node report run against it called directly and as a datasource of a
// second Grafana; every value drawn is compared with what VictoriaMetrics itself answers
// when the test sends the page's own query_range again. Also here, against the real
// servers: wrong addresses, a refused query in the server's own words, and the
// datasource badge after a server stops.
import { test, expect } from '@playwright/test';
import { GRAFANA_PORT } from '../playwright.config.mjs';
import { stackState, watchConsole, ReportPage, connectDirect, allCellsSettled, stopPrometheus } from './support.mjs';

const SITE = `http://127.0.0.1:${GRAFANA_PORT}/`;
const DAY_S = 86_400;

// Day and time labels below are read in UTC.
test.use({ timezoneId: 'UTC' });

let console_;
test.beforeEach(async ({ page }) => {
  console_ = watchConsole(page);
});
test.afterEach(async () => {
  console_.assertNoPanic();
});

function victoria() {
  const state = stackState();
  expect(state.victoria_metrics, 'the e2e stack runs VictoriaMetrics (dev/stack.py --vm)').toBeTruthy();
  return { state, vm: state.victoria_metrics };
}

/** Every query_range the page sends, kept to be sent again by the test. */
function rangeRequests(page) {
  const seen = [];
  page.on('request', (r) => {
    if (new URL(r.url()).pathname.endsWith('/api/v1/query_range')) {
      seen.push({ url: r.url(), method: r.method(), body: r.postData() ?? '' });
    }
  });
  return seen;
}

function paramsOf(request) {
  return new URLSearchParams(request.method === 'POST' ? request.body : new URL(request.url).search);
}

/** The request the page sent for the query that contains `part` (the last one sent). */
function requestFor(requests, part, urlPart = '') {
  const found = requests.filter((r) => paramsOf(r).get('query')?.includes(part) && r.url.includes(urlPart));
  expect(found.length, `the page sent a query_range with ${part} to ${urlPart}`).toBeGreaterThan(0);
  return found[found.length - 1];
}

/** Sends a request the page sent once more (to `url`, by default where the page sent it)
 * and returns the server's matrix. */
async function replay(request, { url = request.url, token } = {}) {
  const headers = { accept: 'application/json' };
  if (request.method === 'POST') headers['content-type'] = 'application/x-www-form-urlencoded';
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(url, { method: request.method, headers, body: request.method === 'POST' ? request.body : undefined });
  expect(response.status, url).toBe(200);
  const answer = await response.json();
  expect(answer.status).toBe('success');
  return answer.data.result;
}

/** The traces drawn in the cell titled `title`. */
async function cellTraces(page, title) {
  return page.evaluate((title) => {
    const cell = [...document.querySelectorAll('[data-testid=cell]')].find(
      (c) => c.querySelector('[data-testid=cell-title]')?.textContent.trim() === title,
    );
    return (cell?.querySelector('[data-testid=chart]')?.data ?? []).map((t) => ({ name: t.name, x: [...t.x], y: [...t.y] }));
  }, title);
}

// A daily bar shows the value at the midnight that ends its day (crates/promnote-core/src/days.rs).
const dayOf = (t) => new Date((t - DAY_S) * 1000).toISOString().slice(0, 10);
const timeOf = (t) => new Date(t * 1000).toISOString().slice(0, 19).replace('T', ' ');

/** Every value of `matrix` before `before` (unix s) is drawn, exactly, in the trace that
 * `name` names; returns how many values were compared. */
function expectDrawnExactly(traces, matrix, { name, label, before = Infinity }) {
  let compared = 0;
  for (const series of matrix) {
    const trace = traces.find((t) => t.name === name(series.metric));
    expect(trace, `a trace for ${JSON.stringify(series.metric)} among ${traces.map((t) => t.name)}`).toBeTruthy();
    for (const [t, value] of series.values) {
      if (t >= before) continue;
      const at = trace.x.indexOf(label(t));
      expect(at, `${trace.name} has ${label(t)}`).toBeGreaterThanOrEqual(0);
      expect(trace.y[at], `${trace.name} at ${label(t)}`).toBe(Number(value));
      compared += 1;
    }
  }
  return compared;
}

async function expectEveryCellDrawn(page) {
  await allCellsSettled(page);
  const states = await page.evaluate(() =>
    [...document.querySelectorAll('[data-testid=cell]')].map((c) => `${c.querySelector('[data-testid=cell-title]').textContent}: ${c.dataset.state}`),
  );
  expect(states.filter((s) => !s.endsWith(': drawn')), 'every cell draws').toEqual([]);
}

/** Waits until each server has scraped node_exporter for a while (the stack scrapes it
 * only since it started, and VictoriaMetrics leaves out its last 30 s by default). */
async function waitForNodeHistory(servers) {
  const query = encodeURIComponent('count_over_time(node_load1[15m] offset 1m)');
  await expect
    .poll(
      async () => {
        const counts = await Promise.all(
          servers.map(async (url) => {
            const answer = await (await fetch(`${url}/api/v1/query?query=${query}`)).json();
            return Number(answer.data.result[0]?.value[1] ?? 0);
          }),
        );
        return Math.min(...counts);
      },
      { message: 'node_exporter scraped at least six times by a minute ago', timeout: 200_000, intervals: [1_000] },
    )
    .toBeGreaterThanOrEqual(6);
}

async function openNodeReport(page) {
  await page.getByTestId('open-file').setInputFiles('e2e/fixtures/node.md');
  await expect(page.getByTestId('report-title')).toHaveText('This machine');
  await expectEveryCellDrawn(page);
}

/** The node report's values equal each server's own answers (`servers`: the name a trace
 * carries -> where to send the page's query again), leaving out the last minute, which
 * scrapes arriving since may change. */
async function expectNodeValues(page, requests, servers) {
  let compared = 0;
  for (const [title, part] of [['Memory available', 'node_memory_MemAvailable_bytes'], ['Load, 1 minute', 'node_load1'], ['Network received', 'node_network_receive_bytes_total']]) {
    const traces = await cellTraces(page, title);
    for (const { name, urlPart, url, token } of servers) {
      const request = requestFor(requests, part, urlPart);
      const before = Number(paramsOf(request).get('end')) - 60;
      const matrix = await replay(request, { url: url?.(request), token });
      expect(matrix.length, `${title} on ${name}`).toBeGreaterThan(0);
      compared += expectDrawnExactly(traces, matrix, { name: () => name, label: timeOf, before });
    }
  }
  expect(compared).toBeGreaterThan(6);
}

test('VictoriaMetrics called directly: every built-in report draws, with exactly its own values, and a node report too', async ({ page }) => {
  // Run alone on a stack just started, the node report waits for minutes of scrapes.
  test.setTimeout(300_000);
  const { state, vm } = victoria();
  // Before connecting: a report opened within five minutes keeps the connection's "now".
  await waitForNodeHistory([vm.url]);
  const requests = rangeRequests(page);
  const report = await connectDirect(page, SITE, `${vm.url}/`);
  await expect(report.datasources).toHaveCount(1);
  await expect(report.datasources.first()).toHaveAttribute('data-status', 'ok');
  await expectEveryCellDrawn(page);

  // The flagship: daily active users per hub, against VictoriaMetrics' own answer ...
  const daily = requestFor(requests, 'jupyterhub_active_users{period="24h"');
  const matrix = await replay(daily);
  const traces = await cellTraces(page, 'Daily active users per hub');
  const compared = expectDrawnExactly(traces, matrix, { name: (m) => m.namespace, label: dayOf });
  expect(compared).toBeGreaterThan(50);
  // ... and against the generator: the same history gives Prometheus' numbers.
  const expected = state.expected.series.filter((s) => s.datasource === vm.history_of);
  expect(traces.map((t) => t.name).sort()).toEqual(expected.map((s) => s.namespace).sort());
  for (const series of expected) {
    const trace = traces.find((t) => t.name === series.namespace);
    trace.x.slice(0, -1).forEach((day, i) => expect(trace.y[i], `${trace.name} on ${day}`).toBe(series.daily[day] ?? null));
  }
  // The other built-in reports, each with a cell compared value by value.
  const checks = [
    ['Service metrics', 'Requests per second by endpoint and status', 'sum by (endpoint, status)', (m) => `${m.endpoint} ${m.status}`],
    ['JupyterHub usage', 'Running user servers', 'jupyterhub_running_servers', (m) => m.namespace],
  ];
  for (const [link, title, query, name] of checks) {
    await page.getByTestId('report-link').filter({ hasText: link }).click();
    await expect(page.getByTestId('report-title')).toHaveText(link);
    await expectEveryCellDrawn(page);
    const matrix = await replay(requestFor(requests, query));
    expect(expectDrawnExactly(await cellTraces(page, title), matrix, { name, label: timeOf }), title).toBeGreaterThan(100);
  }

  await openNodeReport(page);
  await expectNodeValues(page, requests, [{ name: 'node', urlPart: vm.url }]);
  await page.screenshot({ path: 'target/e2e-results/victoria-metrics-direct.png', fullPage: true });
});

test('VictoriaMetrics as a Grafana datasource beside a Prometheus: the proxy passes its answers on exactly', async ({ page }) => {
  // Run alone on a stack just started, the node report waits for minutes of scrapes.
  test.setTimeout(300_000);
  const { state, vm } = victoria();
  const promNode = state.prometheus.find((p) => p.uid === 'prom-node');
  await waitForNodeHistory([vm.url, `http://127.0.0.1:${promNode.port}`]);
  const requests = rangeRequests(page);
  const report = new ReportPage(page);
  await report.open(SITE);
  await report.connect(vm.grafana_url, state.token);
  await expect(report.datasources).toHaveCount(2);
  await expectEveryCellDrawn(page);
  expect(await report.statusByName()).toEqual({ victoria: 'ok', 'this-machine': 'ok' });

  // Through Grafana's proxy, compared with VictoriaMetrics answering the same query itself.
  const proxy = `${vm.grafana_url}/api/datasources/proxy/uid/${vm.uid}/`;
  const direct = (request) => request.url.replace(proxy, `${vm.url}/`);
  const daily = requestFor(requests, 'jupyterhub_active_users{period="24h"', proxy);
  const matrix = await replay(daily, { url: direct(daily) });
  const traces = await cellTraces(page, 'Daily active users per hub');
  expect(expectDrawnExactly(traces, matrix, { name: (m) => m.namespace, label: dayOf })).toBeGreaterThan(50);

  // The node report: both servers scrape the same node_exporter, each drawn with its own values.
  const promProxy = `${vm.grafana_url}/api/datasources/proxy/uid/prom-node/`;
  await openNodeReport(page);
  await expectNodeValues(page, requests, [
    { name: 'victoria / node', urlPart: proxy, url: direct },
    { name: 'this-machine / node', urlPart: promProxy, url: (r) => r.url.replace(promProxy, `http://127.0.0.1:${promNode.port}/`) },
  ]);
  await page.screenshot({ path: 'target/e2e-results/victoria-metrics-grafana.png', fullPage: true });
});

test('a wrong path on Prometheus or VictoriaMetrics says the address may be wrong, shows it whole, and names the usual paths', async ({ page }) => {
  const { state, vm } = victoria();
  const cases = [
    `http://127.0.0.1:${state.prometheus[0].port}/prometheus/`, // stock Prometheus: 404, no CORS headers
    `${vm.url}/foo/`, // VictoriaMetrics: 400 "unsupported path", no CORS headers
  ];
  for (const address of cases) {
    const report = await connectDirect(page, SITE, address);
    await expect(report.datasources.first()).toHaveAttribute('data-status', 'error');
    const error = report.errors.first();
    await expect(error).toContainText(`${address} answered`);
    await expect(error).toContainText('The address may be wrong');
    await expect(error).toContainText('/select/0/prometheus/ (VictoriaMetrics cluster)');
    await expect(error).toContainText('/prometheus/ (Mimir');
    await expect(error).not.toContainText("Grafana's API");
    await expect(error).not.toContainText('Grafana does not send');
  }
});

test('a query VictoriaMetrics refuses is said in its name, not Prometheus\' or Grafana\'s', async ({ page }) => {
  const { vm } = victoria();
  await connectDirect(page, SITE, `${vm.url}/`);
  const broken = '---\nformat: 1\ntitle: Broken on purpose\n---\n\n```promql title="Unclosed" chart=line step=5m from=now-1h\nrate(node_load1[5m]\n```\n';
  await page.getByTestId('open-file').setInputFiles({ name: 'broken.md', mimeType: 'text/markdown', buffer: Buffer.from(broken) });
  await expect(page.getByTestId('report-title')).toHaveText('Broken on purpose');
  await allCellsSettled(page);
  const error = page.getByTestId('cell').first().getByTestId('error').first();
  const host = new URL(vm.url).host;
  await expect(error).toContainText(`${host} refused the query (422)`);
  await expect(error).not.toContainText('Prometheus refused');
  await expect(error).not.toContainText('Grafana');
  // A refused query is the query's fault: the server stays ok.
  await expect(page.getByTestId('datasource').first()).toHaveAttribute('data-status', 'ok');
});

test('a server stopped after connecting: Run all says every cell failed, and so does its badge, until it answers again', async ({ page }) => {
  const { vm } = victoria();
  const report = await connectDirect(page, SITE, `${vm.url}/`);
  const badge = report.datasources.first();
  await expectEveryCellDrawn(page);
  await expect(badge).toContainText('ok · answered in');
  const start = await stopPrometheus(vm.uid);
  try {
    await page.getByTestId('run-all').click();
    await allCellsSettled(page);
    const cells = page.getByTestId('cell');
    const count = await cells.count();
    for (let i = 0; i < count; i += 1) {
      await expect(cells.nth(i).getByTestId('error').first()).toContainText('Could not reach');
    }
    await expect(badge).toHaveAttribute('data-status', 'error');
    await expect(badge).toContainText('failed in the last run');
    await expect(badge).not.toContainText('answered in');
  } finally {
    await start();
  }
  await page.getByTestId('run-all').click();
  await expectEveryCellDrawn(page);
  await expect(badge).toHaveAttribute('data-status', 'ok');
  await expect(badge).toContainText('ok · answered in');
});
