// A heatmap of Prometheus histogram buckets, from a real community dashboard (JupyterHub's,
// picked from the Grafana-compatible server's list): each bucket's cells must hold what fell
// in that bucket, worked out here from the answers Prometheus gives to the page's own
// requests, re-sent by the test.
import { test, expect } from '@playwright/test';
import { GRAFANA_PORT } from '../playwright.config.mjs';
import { openAndConnect, watchConsole, expectDrawn, allCellsSettled, recordQueries, lastPerDatasource, resend, heatmapTrace, expectHeatmap } from './support.mjs';

const SITE = `http://127.0.0.1:${GRAFANA_PORT}/`;

let console_;
test.beforeEach(async ({ page }) => {
  console_ = watchConsole(page);
});
test.afterEach(async () => {
  console_.assertNoPanic();
});

test('a heatmap from Grafana\'s list draws what fell in each bucket, as Prometheus answers it', async ({ page }) => {
  const sent = recordQueries(page);
  await openAndConnect(page, SITE);
  await expect(page.getByTestId('datasource-summary')).toContainText('3 ok', { timeout: 30_000 });
  await page.getByTestId('import-dashboard').click();
  await page.getByTestId('dashboard-list').getByTestId('dashboard').filter({ hasText: 'JupyterHub Dashboard' }).click();
  await expect(page.getByTestId('report-title')).toHaveText('JupyterHub Dashboard');
  const cell = page.getByTestId('cell').filter({ has: page.getByTestId('cell-title').getByText('Server Start Times', { exact: true }) });
  await expectDrawn(cell, { timeout: 40_000 });
  // Every cell done, so that no later run replaces what is compared below.
  await allCellsSettled(page);
  const trace = await heatmapTrace(cell);
  // The generator's spawn buckets, lowest first, their bounds on the axis.
  expect(trace.y).toEqual(['≤ 1', '1–5', '5–10', '10–30', '30–60', '&gt; 60']);

  // The page's requests, re-sent: what Prometheus answers, de-accumulated here.
  const requests = lastPerDatasource(sent, (r) => r.kind === 'query_range' && r.query.includes('jupyterhub_server_spawn_duration_seconds_bucket'));
  expect(requests.length).toBeGreaterThan(0);
  const answers = [];
  for (const r of requests) answers.push({ uid: r.uid, data: await resend(r) });
  expect(expectHeatmap(trace, answers)).toEqual([1, 5, 10, 30, 60, Infinity]);
  // Its caption says it in words; its CSV has a column per bucket.
  await expect(cell.getByTestId('chart-summary')).toContainText('Heatmap of 6 buckets, from ≤ 1 to > 60');
  await expect(cell.getByRole('button', { name: 'CSV (one column per bucket)' })).toBeVisible();
});
