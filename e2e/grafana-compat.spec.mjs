// Grafana's other query route: datasource types the proxy cannot serve (Amazon and Azure
// managed Prometheus) and datasources whose proxy refuses are queried through
// POST /api/ds/query, and their data-frame answers give the same bars.
import { test, expect } from '@playwright/test';
import { GRAFANA_PORT } from '../playwright.config.mjs';
import { stackState, watchConsole, extraGrafana, expectedName, openAndConnect, expectDrawn } from './support.mjs';

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

test('a proxy that refuses POSTs ("non allow-listed POSTs not allowed"): the same queries go as GET and draw', async ({ page }) => {
  const console_ = watchConsole(page);
  const state = stackState();
  const grafana = await extraGrafana(3119, ['--no-post-uid', 'prom-west', '--cors-origin', ORIGIN]);
  const requests = [];
  page.on('requestfinished', async (r) => requests.push({ method: r.method(), url: r.url(), status: (await r.response())?.status() }));
  try {
    await openAndConnect(page, SITE, { grafanaUrl: grafana.url });
    const cell = page.getByTestId('cell').first();
    await expectDrawn(cell, { timeout: 45_000 });
    await expect(cell.getByTestId('error')).toHaveCount(0);
    await expect(page.locator('[data-testid=datasource][data-uid=prom-west]')).toHaveAttribute('data-status', 'ok');
    const west = requests.filter((r) => r.url.includes('/uid/prom-west/api/v1/query_range'));
    expect(west.some((r) => r.method === 'POST' && r.status === 403)).toBe(true);
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
