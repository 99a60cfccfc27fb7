// Faults during a run: a slow upstream (cancel; a new run aborts what is in flight), a
// Prometheus killed mid-run, the network dropping, and the tab frozen in the background.
// Each ends with a clear message on the affected datasource and a working report after.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect } from '@playwright/test';
import { GRAFANA_PORT } from '../playwright.config.mjs';
import { stackState, watchConsole, stopPrometheus, extraGrafana, openAndConnect, expectDrawn } from './support.mjs';

const SITE = `http://127.0.0.1:${GRAFANA_PORT}/`;
const ORIGIN = `http://127.0.0.1:${GRAFANA_PORT}`;

let console_;
test.beforeEach(async ({ page }) => {
  console_ = watchConsole(page);
});
test.afterEach(async () => {
  console_.assertNoPanic();
});

function connect(page, grafanaUrl) {
  return openAndConnect(page, SITE, { grafanaUrl });
}

/** Requests that the browser aborted, by URL. */
function aborted(page) {
  const urls = [];
  page.on('requestfailed', (r) => {
    if (r.failure()?.errorText.includes('ERR_ABORTED')) urls.push(r.url());
  });
  return urls;
}

test('a slow datasource can be cancelled, and a new run aborts what is still in flight', async ({ page }) => {
  const grafana = await extraGrafana(3107, ['--slow-uid', 'prom-west', '--slow-seconds', '20', '--cors-origin', ORIGIN]);
  try {
    const stopped = aborted(page);
    await connect(page, grafana.url);
    const cell = page.getByTestId('cell').first();
    await expect(cell).toHaveAttribute('data-state', 'loading');
    // The fast clusters draw while the slow one is still pending.
    await expect.poll(() => page.evaluate(() => document.querySelector('[data-testid=chart]')?.data?.length ?? 0)).toBeGreaterThan(0);
    await page.getByTestId('cancel').click();
    await expect(cell).toHaveAttribute('data-state', 'cancelled');
    await expect(cell.getByTestId('cancelled')).toContainText('Press Run');
    await expect.poll(() => stopped.filter((u) => u.includes('/uid/prom-west/')).length).toBeGreaterThan(0);

    // Connect again while the slow request of the new run is pending, then once more:
    // the second connect aborts the first one's requests.
    const before = stopped.length;
    await page.getByTestId('connect').click();
    await expect(cell).toHaveAttribute('data-state', 'loading');
    await page.waitForTimeout(500);
    await page.getByTestId('connect').click();
    await expect.poll(() => stopped.length).toBeGreaterThan(before);
    await page.getByTestId('cancel').click();
  } finally {
    await grafana.stop();
  }
});

test('a Prometheus killed while its query is in flight fails alone, with Retry', async ({ page }) => {
  // prom-west's requests wait 8 s in the proxy before they are forwarded: it is killed
  // while its query is surely on the way (its retries then find it dead too).
  const grafana = await extraGrafana(3108, ['--slow-uid', 'prom-west', '--slow-seconds', '8', '--cors-origin', ORIGIN]);
  let restart;
  try {
    const sent = page.waitForRequest((r) => r.url().includes('/uid/prom-west/api/v1/query_range'));
    await connect(page, grafana.url);
    const cell = page.getByTestId('cell').first();
    await expect(cell).toHaveAttribute('data-state', 'loading');
    await sent;
    restart = await stopPrometheus('prom-west');
    await expectDrawn(cell, { timeout: 45_000 });
    await expect(cell.getByTestId('error').first()).toContainText('Grafana could not reach cluster-west (502 Bad Gateway)');
    const names = await page.evaluate(() => document.querySelector('[data-testid=chart]').data.map((t) => t.name));
    expect(names.some((n) => n.includes('ocean-hub'))).toBe(false);
    expect(names).toContain('prod');
    await restart();
    restart = null;
    await cell.getByTestId('retry').first().click();
    await expect(cell.getByTestId('error')).toHaveCount(0, { timeout: 45_000 });
    await expect
      .poll(() => page.evaluate(() => (document.querySelector('[data-testid=chart]')?.data ?? []).map((t) => t.name)), { timeout: 30_000 })
      .toContain('ocean-hub');
  } finally {
    try {
      if (restart) await restart();
    } finally {
      await grafana.stop();
    }
  }
});

test('the network dropping gives a clear message, and Retry works once it is back', async ({ page, context }) => {
  const state = stackState();
  await connect(page, state.grafana_url);
  const cell = page.getByTestId('cell').first();
  await expectDrawn(cell, { timeout: 45_000 });
  await context.setOffline(true);
  await page.getByTestId('run-all').click();
  await expect(cell.getByTestId('error').first()).toContainText('nothing answered', { timeout: 30_000 });
  await context.setOffline(false);
  await cell.getByTestId('retry').first().click();
  await expectDrawn(cell, { timeout: 45_000 });
  await expect(cell.getByTestId('error')).toHaveCount(0);
});

test('a tab frozen in the background during a run finishes it when it comes back, drawn to size', async ({ page }) => {
  const grafana = await extraGrafana(3109, ['--slow-uid', 'prom-west', '--slow-seconds', '2', '--cors-origin', ORIGIN]);
  try {
    const cdp = await page.context().newCDPSession(page);
    await connect(page, grafana.url);
    const cell = page.getByTestId('cell').first();
    await expect(cell).toHaveAttribute('data-state', 'loading');
    await cdp.send('Page.setWebLifecycleState', { state: 'frozen' });
    await new Promise((r) => setTimeout(r, 3_000));
    await cdp.send('Page.setWebLifecycleState', { state: 'active' });
    await expectDrawn(cell, { timeout: 45_000 });
    const sizes = await page.evaluate(() => {
      const chart = document.querySelector('[data-testid=chart]');
      return { chart: chart.querySelector('.main-svg').getBoundingClientRect().width, box: chart.getBoundingClientRect().width, traces: chart.data.length };
    });
    expect(sizes.traces).toBe(10);
    expect(Math.abs(sizes.chart - sizes.box)).toBeLessThan(2);
  } finally {
    await grafana.stop();
  }
});

test('a request that takes longer than the 60 s limit is given up with a clear message, and the rest draws', async ({ page }) => {
  const grafana = await extraGrafana(3117, ['--slow-uid', 'prom-west', '--slow-seconds', '120', '--cors-origin', ORIGIN]);
  try {
    // The page's clock is Playwright's: a minute passes in a moment.
    await page.clock.install();
    await connect(page, grafana.url);
    const cell = page.getByTestId('cell').first();
    await expect.poll(() => page.evaluate(() => document.querySelector('[data-testid=chart]')?.data?.length ?? 0)).toBeGreaterThan(0);
    await expect(cell).toHaveAttribute('data-state', 'loading');
    // The 60 s timers started when prom-west's requests went out, a little after the clock
    // was installed: 50 s on they have surely not fired (the clock also runs on its own
    // meanwhile), and 20 s later they surely have.
    await page.clock.fastForward('00:50');
    await expect(cell).toHaveAttribute('data-state', 'loading');
    await page.clock.fastForward('00:20');
    await expectDrawn(cell);
    await expect(cell.getByTestId('error').first()).toContainText('cluster-west did not answer within 60 s');
    await expect(cell.getByTestId('retry')).toBeVisible();
    await expect(page.locator('[data-testid=datasource][data-uid=prom-west]')).toHaveAttribute('data-status', 'error');
    await expect(page.getByTestId('datasource-summary')).toHaveText('3 datasources: 2 ok, 1 failed; 1 not queried');

    // The rest of the run does not wait for cluster-west again: the cell run once more
    // fails it at once, with the same reason, and sends it nothing...
    const west = [];
    page.on('request', (r) => { if (r.url().includes('/uid/prom-west/')) west.push(r.url()); });
    const runs = Number(await cell.getAttribute('data-runs'));
    await cell.getByTestId('run-cell').click();
    // The new run started, and ended: every datasource's part of it is settled.
    await expect(cell).toHaveAttribute('data-runs', String(runs + 1));
    await expectDrawn(cell);
    await expect(cell.getByTestId('error').first()).toContainText('cluster-west did not answer within 60 s');
    expect(west).toEqual([]);
    // ...until Retry, which asks it again.
    const asked = page.waitForRequest((r) => r.url().includes('/uid/prom-west/'));
    await cell.getByTestId('retry').click();
    await asked;
  } finally {
    await grafana.stop();
  }
});

test('a token revoked mid-session: the next run says so at the top and on the cell, and draws nothing', async ({ page }) => {
  const { grafana_config: original, token } = stackState();
  const config = join(mkdtempSync(join(tmpdir(), 'promnote-grafana-')), 'grafana.json');
  const settings = JSON.parse(readFileSync(original, 'utf8'));
  writeFileSync(config, JSON.stringify({ ...settings, tokens: [token], revoked_tokens: [] }));
  const grafana = await extraGrafana(3116, ['--cors-origin', ORIGIN], { config });
  try {
    await connect(page, grafana.url);
    const cell = page.getByTestId('cell').first();
    await expectDrawn(cell, { timeout: 45_000 });
    await expect(page.getByTestId('error')).toHaveCount(0);

    // An administrator revokes the token in Grafana.
    writeFileSync(config, JSON.stringify({ ...settings, tokens: [], revoked_tokens: [token] }));
    await page.getByTestId('run-all').click();
    await expect(cell).toHaveAttribute('data-state', 'empty');
    await expect(page.locator('.connect [data-testid=error]')).toContainText('the token has been revoked');
    await expect(cell.getByTestId('error').first()).toContainText('the token has been revoked');
    expect(await page.evaluate(() => document.querySelector('[data-testid=chart]')?.data?.length ?? 0)).toBe(0);
  } finally {
    await grafana.stop();
  }
});

test('an answer larger than the page reads (256 MB) is refused, from its Content-Length or as it streams in, with what to narrow', async ({ page }) => {
  // A Prometheus-compatible server whose range answers are too large: `up` announces
  // 300 MB and never sends it; `chunked` streams megabytes with no Content-Length (as a
  // compressed answer comes) until the page hangs up.
  const { createServer } = await import('node:http');
  const server = createServer((req, res) => {
    const cors = { 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Headers': 'Authorization, Content-Type' };
    if (req.method === 'OPTIONS') return res.writeHead(204, cors).end();
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      if (req.url.includes('/api/v1/query_range')) {
        const asked = decodeURIComponent(`${req.url}&${body}`);
        if (asked.includes('chunked')) {
          res.writeHead(200, { ...cors, 'Content-Type': 'application/json' });
          const megabyte = Buffer.alloc(1024 * 1024, 0x20);
          let closed = false;
          res.on('close', () => (closed = true));
          const more = () => {
            while (!closed && res.write(megabyte));
            if (!closed) res.once('drain', more);
          };
          res.write('{"status":"success","data":{"resultType":"matrix","result":[');
          more();
          return;
        }
        res.writeHead(200, { ...cors, 'Content-Type': 'application/json', 'Content-Length': String(300 * 1024 * 1024) });
        res.write('{"status":"success","data":{"resultType":"matrix","result":[');
        return; // and nothing more: the page must not wait for it
      }
      const data = req.url.includes('/api/v1/query') ? { resultType: 'vector', result: [] } : req.url.includes('buildinfo') ? { version: '2.42.0' } : [];
      res.writeHead(200, { ...cors, 'Content-Type': 'application/json' }).end(JSON.stringify({ status: 'success', data }));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await page.goto(SITE);
    await page.getByTestId('open-file').setInputFiles({
      name: 'huge.md',
      mimeType: 'text/markdown',
      buffer: Buffer.from('---\nformat: 1\ntitle: Huge\n---\n\n```promql title="Announced"\nup\n```\n\n```promql title="Streamed"\nchunked\n```\n'),
    });
    await expect(page.getByTestId('report-title')).toHaveText('Huge');
    await page.locator('details.direct summary').click();
    await page.getByTestId('prom-url').fill(`http://127.0.0.1:${server.address().port}/`);
    await page.getByTestId('connect').click();
    for (const cell of await page.getByTestId('cell').all()) {
      await expect(cell.getByTestId('error').first()).toContainText('answered with more than 256 MB, more than promnote reads at once: ask for fewer series', { timeout: 60_000 });
      await expect(cell).not.toHaveAttribute('data-state', /idle|loading/);
    }
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
