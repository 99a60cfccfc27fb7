// `promnote serve`: the site built into the binary, on loopback, forwarding /api/ to a
// Grafana-compatible server that sends no CORS headers (as a stock Grafana does), and
// /prometheus/0/ to a Prometheus. The page it serves connects from its own origin and
// draws the flagship with the generator's values; the token goes through and nowhere else.
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { test, expect } from '@playwright/test';
import { ReportPage, stackState, extraGrafana, expectedName, watchConsole } from './support.mjs';

const BINARY = process.env.PROMNOTE_BIN ?? 'target/debug/promnote';

/** Starts `promnote … serve --port 0`; resolves once it printed its address. */
async function serve(args) {
  const child = spawn(BINARY, [...args, 'serve', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(out.split('\n')[0].trim());
    });
    exited.then(() => reject(new Error(`promnote serve exited: ${stderr}`)));
  });
  return {
    url,
    stderr: () => stderr,
    stop: async () => {
      child.kill();
      await exited;
    },
  };
}

/** The status of a GET of `url` with `headers` as given (fetch would not send `Host`). */
function statusOf(url, headers) {
  return new Promise((resolve, reject) => {
    const r = request(url, { headers }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    r.on('error', reject);
    r.end();
  });
}

/** The flagship's traces against the generator's daily values, for the series `expected`. */
function expectFlagship(traces, expected) {
  expect(traces.map((t) => t.name).sort()).toEqual(expected.map((s) => expectedName(s, expected)).sort());
  let checked = 0;
  for (const series of expected) {
    const trace = traces.find((t) => t.name === expectedName(series, expected));
    const days = trace.x.slice(0, -1); // the last bar is today, partial
    expect(days.length).toBeGreaterThanOrEqual(28);
    days.forEach((day, i) => {
      expect(trace.y[i], `${trace.name} on ${day}`).toBe(series.daily[day] ?? null);
      checked += 1;
    });
  }
  return checked;
}

test('the page promnote serve serves reaches a Grafana without CORS and draws the flagship with the generated values', async ({ page }) => {
  const state = stackState();
  // No --cors-origin: this Grafana answers a page on another origin with no CORS headers.
  const grafana = await extraGrafana(3124, []);
  const served = await serve(['--grafana', grafana.url]);
  const console_ = watchConsole(page);
  try {
    const direct = await fetch(`${grafana.url}api/health`, { headers: { Origin: 'https://you.github.io' } });
    expect(direct.headers.get('access-control-allow-origin')).toBeNull();

    const origins = new Set();
    page.on('request', (r) => origins.add(new URL(r.url()).origin));
    const report = new ReportPage(page);
    await report.open(served.url);
    // The form already holds the address that reaches Grafana, and says where it goes.
    await expect(report.url).toHaveValue(served.url);
    await expect(page.getByTestId('served-by')).toContainText(grafana.url);
    await report.token.fill(state.token);
    await report.connectButton.click();
    await report.waitDrawn();
    expect(await report.statusByName()).toEqual({ 'cluster-north': 'ok', 'cluster-south': 'ok', 'cluster-west': 'ok', Logs: 'unsupported' });
    const checked = expectFlagship(await report.traces(), state.expected.series);
    expect(checked).toBeGreaterThan(250);
    // Everything the page asked went to its own origin; the server printed no token.
    expect([...origins]).toEqual([new URL(served.url).origin]);
    expect(served.stderr()).not.toContain(state.token);
    console_.assertNoPanic();

    // A name that is not this server's is refused (no DNS rebinding), and so is a path
    // that forwards nowhere; a wrong token gets Grafana's own answer.
    const port = new URL(served.url).port;
    expect(await statusOf(`${served.url}api/datasources`, { Host: `evil.example:${port}`, Authorization: `Bearer ${state.token}` })).toBe(421);
    expect(await statusOf(`${served.url}`, { Host: `localhost:${port}` })).toBe(200);
    // A request another site makes (a form, an image, a script elsewhere) forwards nothing.
    const api = `${served.url}api/datasources`;
    expect(await statusOf(api, { Origin: 'https://evil.example', Authorization: `Bearer ${state.token}` })).toBe(403);
    expect(await statusOf(api, { 'Sec-Fetch-Site': 'cross-site', Authorization: `Bearer ${state.token}` })).toBe(403);
    // What Grafana answers cannot run as this origin.
    const answer = await fetch(api, { headers: { Authorization: `Bearer ${state.token}` } });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-security-policy')).toContain('sandbox');
    expect((await fetch(`${served.url}prometheus/0/api/v1/query?query=up`)).status).toBe(404);
    const wrong = await fetch(`${served.url}api/datasources`, { headers: { Authorization: 'Bearer glsa_wrong' } });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('Invalid API key');
  } finally {
    await served.stop();
    await grafana.stop();
  }
});

test('promnote serve forwards a Prometheus under /prometheus/0/, which the page finds filled in', async ({ page }) => {
  const state = stackState();
  const north = state.prometheus.find((p) => p.uid === 'prom-north');
  const served = await serve(['--prometheus', `http://127.0.0.1:${north.port}/`]);
  try {
    const report = new ReportPage(page);
    await report.open(served.url);
    await expect(report.url).toHaveValue('');
    await page.locator('details.direct summary').click();
    await expect(page.getByTestId('prom-url')).toHaveValue(`${served.url}prometheus/0/`);
    await report.connectButton.click();
    await report.waitDrawn();
    const expected = state.expected.series.filter((s) => s.datasource_uid === 'prom-north');
    expect(expectFlagship(await report.traces(), expected)).toBeGreaterThan(50);
  } finally {
    await served.stop();
  }
});
