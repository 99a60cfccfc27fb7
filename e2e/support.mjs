// Page object and stack helpers shared by the end-to-end tests. Tests talk to the page
// only through the data-testid hooks; expected values come from the data generator
// (target/demo-stack/e2e/state.json), never from the code under test.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from '@playwright/test';

export const STATE_FILE = 'target/demo-stack/e2e/state.json';

/** The ids of the site's built-in reports, in gallery order: read from the page's own list
 * (src/state.rs), so that a report added there is tested, recorded and published everywhere. */
export const BUILT_IN_REPORTS = [...readFileSync(new URL('../src/state.rs', import.meta.url), 'utf8').matchAll(/BuiltIn \{ id: "([a-z0-9-]+)"/g)].map((m) => m[1]);

export function stackState() {
  return JSON.parse(readFileSync(STATE_FILE, 'utf8'));
}

/** Fails the test if the page ever prints a Rust panic. */
export function watchConsole(page) {
  const messages = [];
  page.on('console', (msg) => messages.push(msg.text()));
  page.on('pageerror', (err) => messages.push(`pageerror: ${err.message}\n${err.stack ?? ''}`));
  return {
    messages,
    assertNoPanic() {
      // A panic, any wasm trap or stack overflow, or any exception the page did not catch
      // (thrown inside a task's poll, it leaves the task half-run: a later wake-up then
      // panics with 'RefCell already borrowed', which names only the symptom).
      const panics = messages.filter((m) => /^pageerror:|panicked at|RuntimeError|Maximum call stack|closure invoked/.test(m));
      // On a panic, everything the page said before it: what led there.
      expect(panics, `console must not contain a panic; the whole console:\n${messages.join('\n')}`).toEqual([]);
      const csp = messages.filter((m) => m.includes('Content Security Policy'));
      expect(csp, 'no Content-Security-Policy violation').toEqual([]);
    },
  };
}

/**
 * Every request the page sends, with its Authorization header (if any), read as each
 * request goes out. `settled()` stops listening and waits for every read, so that no
 * read is still pending when the test ends (Playwright fails a test whose listener is
 * cut short). A read that cannot finish (the request was torn down) is listed by URL in
 * `unread`, so a test can still check where it went.
 */
export function watchAuthorization(page) {
  const reads = [];
  const listener = (r) => {
    reads.push(r.allHeaders().then((headers) => ({ url: r.url(), auth: headers.authorization }), () => ({ url: r.url(), unread: true })));
  };
  page.on('request', listener);
  return {
    async settled() {
      page.off('request', listener);
      const all = await Promise.all(reads);
      return {
        authorized: all.filter((r) => r.auth).map(({ url, auth }) => ({ url, origin: new URL(url).origin, auth })),
        unread: all.filter((r) => r.unread).map((r) => r.url),
      };
    },
  };
}

export class ReportPage {
  constructor(page) {
    this.page = page;
    this.url = page.getByTestId('grafana-url');
    this.token = page.getByTestId('grafana-token');
    this.connectButton = page.getByTestId('connect');
    this.demoButton = page.getByTestId('demo');
    this.datasources = page.getByTestId('datasource');
    this.cell = page.getByTestId('cell').first();
    this.chart = page.getByTestId('chart').first();
    this.errors = page.getByTestId('error');
  }

  async open(siteUrl) {
    await this.page.goto(siteUrl);
    await expect(this.connectButton).toBeVisible();
  }

  async connect(grafanaUrl, token) {
    await this.url.fill(grafanaUrl);
    await this.token.fill(token);
    await this.connectButton.click();
  }

  /** Waits until no datasource is loading and the cell has settled. */
  async settled() {
    await expect(this.cell).not.toHaveAttribute('data-state', /idle|loading/, { timeout: 45_000 });
  }

  /** Waits until the cell's latest run is over and its last figure is on screen (a
   * partial figure of the first datasources to answer does not count). */
  async waitDrawn() {
    await expect(this.cell).toHaveAttribute('data-state', 'drawn', { timeout: 45_000 });
    await expect(this.cell).toHaveAttribute('data-settled', 'true', { timeout: 45_000 });
    await this.page.waitForFunction(() => {
      const el = document.querySelector('[data-testid=chart]');
      return el && Array.isArray(el.data) && el.data.length > 0 && el.querySelector('.main-svg');
    });
  }

  /** The number of runs the cell has started (its `data-runs`). */
  async runs() {
    return Number(await this.cell.getAttribute('data-runs'));
  }

  /** The traces plotly.js is drawing: name, x and y per trace. */
  async traces() {
    return this.page.evaluate(() =>
      (document.querySelector('[data-testid=chart]')?.data ?? []).map((t) => ({ name: t.name, x: [...t.x], y: [...t.y] })),
    );
  }

  async statusByName() {
    return this.page.evaluate(() =>
      Object.fromEntries(
        [...document.querySelectorAll('[data-testid=datasource]')].map((li) => [
          li.querySelector('.ds-name').textContent,
          li.dataset.status,
        ]),
      ),
    );
  }
}

/** Opens the site and fills the "Prometheus directly" fields (and Grafana's, when given),
 * then connects. */
export async function connectDirect(page, site, promUrl, { auth = 'none', user = '', secret = '', grafana = null } = {}) {
  const report = new ReportPage(page);
  await report.open(site);
  await page.locator('details.direct summary').click();
  if (grafana) {
    await report.url.fill(grafana.url);
    await report.token.fill(grafana.token);
  }
  await page.getByTestId('prom-url').fill(promUrl);
  await page.getByTestId(`prom-auth-${auth}`).check();
  if (auth === 'basic') await page.getByTestId('prom-user').fill(user);
  if (auth !== 'none') await page.getByTestId('prom-secret').fill(secret);
  await report.connectButton.click();
  return report;
}

/** Opens the site at `site + path` (e.g. `#/service-metrics`) and connects to `grafanaUrl`
 * (the stack's own Grafana unless given) with the stack's token; returns the stack state. */
export async function openAndConnect(page, site, { grafanaUrl, path = '' } = {}) {
  const state = stackState();
  await page.goto(site + path);
  await new ReportPage(page).connect(grafanaUrl ?? state.grafana_url, state.token);
  return state;
}

/** Waits until `cell` is drawn and shows its run's last figure (not a partial one). */
export async function expectDrawn(cell, { timeout = 20_000 } = {}) {
  await expect(cell).toHaveAttribute('data-state', 'drawn', { timeout });
  await expect(cell).toHaveAttribute('data-settled', 'true', { timeout });
}

/** Waits until every cell has finished (drawn, empty, cancelled or failed) and shows
 * its run's last figure, and every value in the prose is shown or failed. */
export async function allCellsSettled(page) {
  await page.waitForFunction(
    () => {
      const cells = [...document.querySelectorAll('[data-testid=cell]')];
      const values = [...document.querySelectorAll('[data-testid=value] .value-text')];
      return (
        cells.length > 0 &&
        cells.every((c) => !['loading', 'idle'].includes(c.dataset.state) && c.dataset.settled === 'true') &&
        values.every((v) => ['shown', 'error'].includes(v.dataset.state))
      );
    },
    null,
    { timeout: 60_000 },
  );
}

/** Connects to the stack's Grafana at `site`, opens the report `markdown` as the file
 * `name` and waits until its title reads `title` and every cell and value has settled. */
export async function openReportFile(page, site, { name, markdown, title }) {
  await openAndConnect(page, site);
  await allCellsSettled(page);
  await openFileAndSettle(page, { name, markdown, title });
}

/** Opens the report `markdown` as the file `name` on a connected page and waits until its
 * title reads `title` and every cell and value has settled. */
export async function openFileAndSettle(page, { name, markdown, title }) {
  await page.getByTestId('open-file').setInputFiles({ name, mimeType: 'text/markdown', buffer: Buffer.from(markdown) });
  await expect(page.getByTestId('report-title')).toHaveText(title);
  await allCellsSettled(page);
}

/** Stops one of the stack's Prometheus servers (SIGKILL); returns a function that starts it again. */
export async function stopPrometheus(uid) {
  const { control_url: control } = stackState();
  const stop = await fetch(`${control}/prometheus/${uid}/stop`, { method: 'POST' });
  expect(stop.status).toBe(200);
  return async () => {
    const start = await fetch(`${control}/prometheus/${uid}/start`, { method: 'POST' });
    expect(start.status).toBe(200);
  };
}

/** Starts another Grafana-compatible server over the same datasources (or another config
 * file), with extra flags. Fails at once if it exits (a port in use, a bad flag); `stop()`
 * resolves once it has exited, so the next test may take the same port. */
export async function extraGrafana(port, flags, { config } = {}) {
  const state = stackState();
  const child = spawn('python3', ['dev/grafana_compat.py', '--config', config ?? state.grafana_config, '--port', String(port), ...flags], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, GRAFANA_COMPAT_QUIET: '1' },
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  let gone = false;
  exited.then(() => (gone = true));
  const sub = flags.includes('--sub-path') ? flags[flags.indexOf('--sub-path') + 1] : '';
  try {
    await waitFor(async () => {
      if (gone) throw new Error(`grafana_compat.py on port ${port} exited before it answered`);
      return answers(`http://127.0.0.1:${port}${sub}/api/health`);
    });
  } catch (e) {
    child.kill();
    await exited;
    throw e;
  }
  return {
    url: `http://127.0.0.1:${port}${sub}/`,
    stop: async () => {
      if (!gone) child.kill();
      await exited;
    },
  };
}

async function answers(url) {
  try {
    const response = await fetch(url);
    return response.ok;
  } catch {
    return false;
  }
}

/** A tested recipe file (docs/…) with its marked values replaced; fails if one is missing. */
export function fillRecipe(file, replacements) {
  let text = readFileSync(file, 'utf8');
  for (const [from, to] of replacements) {
    expect(text, `${file} holds ${from}`).toContain(from);
    text = text.split(from).join(to);
  }
  return text;
}

/** Waits until something answers at `url`, whatever its status. */
export async function waitForServer(url, ms = 20_000) {
  await waitFor(async () => {
    try {
      await fetch(url, { method: 'OPTIONS' });
      return true;
    } catch {
      return false;
    }
  }, ms).catch(() => {
    throw new Error(`${url} did not answer`);
  });
}

/** Runs Debian's caddy with a Caddyfile body (admin endpoint off, nothing installed in the
 * system's trust store); resolves, once `port` answers, to a function that stops it. */
export async function runCaddy(body, port, { waitMs = 20_000 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'promnote-caddy-'));
  writeFileSync(join(dir, 'Caddyfile'), `{\n\tadmin off\n\tskip_install_trust\n}\n\n${body}`);
  const caddy = spawn('caddy', ['run', '--config', join(dir, 'Caddyfile'), '--adapter', 'caddyfile'], {
    stdio: 'inherit',
    env: { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir },
  });
  try {
    await waitForServer(`http://127.0.0.1:${port}/`, waitMs);
  } catch (e) {
    caddy.kill();
    throw e;
  }
  return () => caddy.kill();
}

async function waitFor(check, ms = 20_000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out after ${ms} ms`);
}

/** The trace name the report must use: the hub, prefixed by its cluster where two clusters share it. */
export function expectedName(series, all) {
  const shared = all.filter((s) => s.namespace === series.namespace).length > 1;
  return shared ? `${series.datasource} / ${series.namespace}` : series.namespace;
}

/** Every value in the prose, in order: its state, its text, its number and when it was
 * evaluated (ms). */
export async function proseValues(page) {
  return page.locator('[data-testid=value] .value-text').evaluateAll((spans) =>
    spans.map((s) => ({
      state: s.dataset.state,
      text: s.textContent.trim(),
      number: s.dataset.number === undefined ? null : Number(s.dataset.number),
      at: s.dataset.at === undefined ? null : Number(s.dataset.at),
    })),
  );
}

/** Yesterday's value of every hub on every datasource, from the generator: what an
 * instant query at today's midnight (UTC) reads. */
export function yesterdaysHubs() {
  const today = new Date();
  today.setUTCHours(0, 0, 0, 0);
  const day = new Date(today.getTime() - 86_400_000).toISOString().slice(0, 10);
  return stackState().expected.series.filter((s) => s.daily[day] !== undefined).map((s) => ({ ...s, value: s.daily[day] }));
}

/** A number as promnote's tables write it: thousands separated, at most two decimals from
 * 1 up, three significant digits below. */
export const tableNumber = (n) => {
  if (n === 0 || Math.abs(n) >= 1) return n.toLocaleString('en-US', { maximumFractionDigits: 2 });
  const decimals = Math.min(15, 2 - Math.floor(Math.log10(Math.abs(n))));
  return n.toFixed(decimals).replace(/0+$/, '').replace(/\.$/, '');
};

/** Checks a table's text for `value` as promnote writes it (empty for no value): the same
 * text, or the same number within half of the last digit it keeps (JavaScript and Rust may
 * round a tie on either side). */
export function expectTableNumber(text, value, what) {
  if (value === null || !Number.isFinite(value)) {
    expect(text, what).toBe('');
    return;
  }
  if (text === tableNumber(value)) return;
  const shown = Number(text.replace(/,/g, ''));
  const magnitude = Math.abs(value);
  const half = magnitude >= 1 || magnitude === 0 ? 0.005 : 0.5 * 10 ** -(2 - Math.floor(Math.log10(magnitude)));
  expect(Math.abs(shown - value), `${what}: ${text} for ${value}`).toBeLessThanOrEqual(half * (1 + 1e-9));
}

/** Records the page's Prometheus requests (through Grafana's proxy) from now on: url,
 * method, body, the datasource's uid and the PromQL it sent. */
export function recordQueries(page) {
  const sent = [];
  page.on('request', (r) => {
    const url = r.url();
    const api = url.match(/\/api\/datasources\/proxy\/uid\/([^/]+)\/api\/v1\/(query_range|query)(\?|$)/);
    if (!api) return;
    const body = r.postData() ?? '';
    const params = new URLSearchParams(r.method() === 'POST' ? body : new URL(url).search);
    sent.push({ url, method: r.method(), body, uid: decodeURIComponent(api[1]), kind: api[2], query: params.get('query') ?? '' });
  });
  return sent;
}

/** The last of the recorded requests that `pick` keeps, per datasource (a cell that ran
 * again asks again: its last run is what is drawn). */
export function lastPerDatasource(sent, pick) {
  const last = new Map();
  for (const r of sent) if (pick(r)) last.set(r.uid, r);
  return [...last.values()];
}

/** Sends a recorded request again, as the test (with the stack's token): Prometheus'
 * answer, parsed. */
export async function resend(request) {
  const res = await fetch(request.url, {
    method: request.method,
    body: request.method === 'POST' ? request.body : undefined,
    headers: { Authorization: `Bearer ${stackState().token}`, 'Content-Type': 'application/x-www-form-urlencoded' },
  });
  expect(res.status, request.url).toBe(200);
  const answer = await res.json();
  expect(answer.status).toBe('success');
  return answer.data;
}

/** The datasources' names by uid, as the stack's Grafana lists them. */
export async function datasourceNames() {
  const state = stackState();
  const res = await fetch(`${state.grafana_url.replace(/\/$/, '')}/api/datasources`, { headers: { Authorization: `Bearer ${state.token}` } });
  return Object.fromEntries((await res.json()).map((d) => [d.uid, d.name]));
}

/** What fell in each bucket at each time, from range answers of cumulative `le` series
 * (`[{ uid, data }]`, one answer per datasource): each bound's series added across
 * datasources, then each bound minus the one below, never below zero. Returns the bounds
 * (ascending) and, per time that has every bound, the counts. (The stack's histograms
 * have every bound at every time, where adding before or after de-accumulating agree.) */
export function deAccumulate(answers) {
  const seen = new Map();
  for (const { uid, data } of answers) {
    for (const series of data.result) {
      for (const [t, v] of series.values) seen.set(`${uid}|${JSON.stringify(series.metric)}|${t}`, { le: series.metric.le, t, v: Number(v) });
    }
  }
  const sums = new Map();
  for (const { le, t, v } of seen.values()) {
    const bound = le === '+Inf' ? Infinity : Number(le);
    const at = sums.get(t) ?? new Map();
    at.set(bound, (at.get(bound) ?? 0) + v);
    sums.set(t, at);
  }
  const bounds = [...new Set([...sums.values()].flatMap((m) => [...m.keys()]))].sort((a, b) => a - b);
  const times = new Map();
  for (const [t, at] of [...sums.entries()].sort((a, b) => a[0] - b[0])) {
    if (bounds.some((b) => !at.has(b))) continue;
    times.set(t, bounds.map((b, i) => Math.max(0, at.get(b) - (i ? at.get(bounds[i - 1]) : 0))));
  }
  return { bounds, times };
}

/** A heatmap cell's trace: its type, times, bucket labels and counts (bucket × time). */
export async function heatmapTrace(cell) {
  return cell.evaluate((el) => {
    const t = el.querySelector('[data-testid=chart]').data[0];
    return { type: t.type, x: [...t.x], y: [...t.y], z: t.z.map((row) => [...row]) };
  });
}

/** Checks a drawn heatmap against what fell in each bucket, worked out from `answers`:
 * per bucket, the drawn cells in time order are the worked-out counts in time order. */
export function expectHeatmap(trace, answers) {
  const { bounds, times } = deAccumulate(answers);
  expect(trace.type).toBe('heatmap');
  expect(trace.z).toHaveLength(bounds.length);
  expect(times.size, 'some times with every bucket').toBeGreaterThan(10);
  const expected = bounds.map((_, i) => [...times.values()].map((counts) => counts[i]));
  const drawn = trace.z.map((row) => row.filter((v) => v !== null));
  expect(drawn.map((row) => row.length)).toEqual(expected.map((row) => row.length));
  for (const [i, row] of drawn.entries()) {
    row.forEach((v, j) => expect(v, `bucket ${trace.y[i]}, time ${j}`).toBeCloseTo(expected[i][j], 9));
  }
  expect(drawn.flat().some((v) => v > 0), 'something was counted').toBe(true);
  return bounds;
}
