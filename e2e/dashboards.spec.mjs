// Grafana dashboards opened as reports: picked from the connected Grafana's list, opened
// from a file, pasted. The dashboards are real community ones (JupyterHub's, node_exporter
// Full), served by the Grafana-compatible server as Grafana serves them.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect } from '@playwright/test';
import { GRAFANA_PORT } from '../playwright.config.mjs';
import { openAndConnect, stackState, watchConsole, extraGrafana, allCellsSettled, expectedName } from './support.mjs';

const SITE = `http://127.0.0.1:${GRAFANA_PORT}/`;
const FIXTURES = 'crates/promnote-core/tests/dashboards';

let console_;
test.beforeEach(async ({ page }) => {
  console_ = watchConsole(page);
});
test.afterEach(async () => {
  console_.assertNoPanic();
});

/** Waits for the datasource list, then opens the import panel. */
async function openImport(page) {
  await expect(page.getByTestId('datasource-summary')).toContainText('3 ok', { timeout: 30_000 });
  await page.getByTestId('import-dashboard').click();
}

test('a dashboard picked from Grafana opens as a report whose every cell draws the generated hubs', async ({ page }) => {
  const state = await openAndConnect(page, SITE);
  await openImport(page);
  const list = page.getByTestId('dashboard-list');
  await expect(list.getByTestId('dashboard')).toHaveCount(8);
  await expect(list).toContainText('Activity in JupyterHub');
  await expect(list).toContainText('Node Exporter Full in Node');
  await expect(list).toContainText('Kubernetes / Views / Global in General');
  await page.getByTestId('dashboard-filter').fill('activ');
  await expect(list.getByTestId('dashboard')).toHaveCount(1);
  await list.getByTestId('dashboard').click();

  await expect(page.getByTestId('report-title')).toHaveText('Activity');
  const cells = page.getByTestId('cell');
  await expect(cells).toHaveCount(4);
  await expect(page.getByTestId('cell-title')).toHaveText(['Running Servers', 'Daily Active Users', 'Weekly Active Users', 'Monthly Active Users']);
  await allCellsSettled(page);
  for (const cell of await cells.all()) {
    await expect(cell).toHaveAttribute('data-state', 'drawn');
  }
  // One trace per cluster and hub, named by the legend ({{ namespace }}), as the generator made them.
  const expected = state.expected.series;
  const names = await page.evaluate(() =>
    [...document.querySelectorAll('[data-testid=chart]')].map((el) => (el.data ?? []).map((t) => t.name).sort()),
  );
  const want = expected.map((s) => expectedName(s, expected)).sort();
  // The user gauges go back the dashboard's 90 days: a hub retired within them is drawn too
  // (the other families hold the last 35 days only).
  const since = new Date(Date.now() - 90 * 86_400_000).toISOString().slice(0, 10);
  const history = state.expected.history.UTC.series.filter((s) => Object.keys(s.daily).some((day) => day >= since));
  const wantHistory = history.map((s) => expectedName(s, history)).sort();
  expect(wantHistory.length, 'a retired hub is in the range').toBeGreaterThan(want.length);
  expect(names).toEqual([want, wantHistory, wantHistory, wantHistory]);
  // The hub variable lists the hubs from kube_service_labels, as the dashboard's query says.
  const hubs = [...new Set(expected.map((s) => s.namespace))].sort();
  const options = await page.locator('[data-testid=variable][data-name=hub] option').allTextContents();
  expect(options).toEqual(['All', ...hubs]);
  // What could not come along is said at the top.
  await expect(page.getByTestId('prose').first()).toContainText('Not carried over');
  await expect(page.getByTestId('prose').first()).toContainText('the datasource variable $PROMETHEUS_DS');
  // The report is the user's own now: it saves and round-trips like any other.
  await expect(page.getByTestId('report-link').filter({ hasText: 'My report' })).toBeVisible();
});

test('a dashboard file opens as a report, picked or dropped; a pasted one too; broken JSON is a clear error', async ({ page }) => {
  await openAndConnect(page, SITE);
  await expect(page.getByTestId('datasource-summary')).toContainText('3 ok', { timeout: 30_000 });
  await page.getByTestId('open-file').setInputFiles(`${FIXTURES}/jupyterhub-usage-report.json`);
  await expect(page.getByTestId('report-title')).toHaveText('Usage Report');
  await expect(page.getByTestId('cell')).toHaveCount(4);
  await allCellsSettled(page);

  // Dropped on the gallery, as a file from the desktop would be.
  const json = readFileSync(`${FIXTURES}/jupyterhub-activity.json`, 'utf8');
  const dropped = await page.evaluateHandle((text) => {
    const data = new DataTransfer();
    data.items.add(new File([text], 'activity.json', { type: 'application/json' }));
    return data;
  }, json);
  await page.locator('nav.gallery').dispatchEvent('drop', { dataTransfer: dropped });
  await expect(page.getByTestId('report-title')).toHaveText('Activity');
  await allCellsSettled(page);

  await page.getByTestId('import-dashboard').click();
  await page.getByTestId('dashboard-json').fill('{"title": "Broken", "panels": [');
  await page.getByTestId('convert-dashboard').click();
  await expect(page.getByRole('alert').filter({ hasText: 'The pasted JSON could not be converted' })).toContainText('not a Grafana dashboard');

  const pasted = {
    title: 'Pasted <b>dashboard</b>',
    panels: [
      { type: 'timeseries', title: 'Up by job', targets: [{ refId: 'A', expr: 'sum by (job) (up)', legendFormat: '{{job}}' }, { refId: 'B', expr: 'count(up)', legendFormat: 'targets' }] },
      { type: 'logs', title: 'Logs', datasource: { type: 'loki', uid: 'logs' }, targets: [{ refId: 'A', expr: '{job="x"}' }] },
    ],
  };
  await page.getByTestId('dashboard-json').fill(JSON.stringify(pasted));
  await page.getByTestId('convert-dashboard').click();
  await expect(page.getByTestId('report-title')).toHaveText('Pasted <b>dashboard</b>');
  await expect(page.getByTestId('cell')).toHaveCount(1);
  await expect(page.getByTestId('cell').first().locator('.query')).toContainText('count(up)');
  await expect(page.getByTestId('prose').first()).toContainText("query A, which asks a loki datasource");
});

test('a Grafana Notebook\'s Markdown export opens as a report: its text prose, each panel block a cell drawing the generated hubs', async ({ page }) => {
  const state = await openAndConnect(page, SITE);
  await expect(page.getByTestId('datasource-summary')).toContainText('3 ok', { timeout: 30_000 });
  const notebook = [
    '# Hub <i>investigation</i>',
    '',
    'Who was **active**? A fence in the notes stays text:',
    '',
    '```yaml',
    'hub: staging',
    '```',
    '',
    '```json',
    JSON.stringify({
      title: 'Active users',
      type: 'timeseries',
      targets: [
        { refId: 'A', datasource: { type: 'prometheus', uid: 'any' }, query: { expr: 'max by (namespace) (jupyterhub_active_users{period="24h"})', legendFormat: '{{namespace}}' } },
        { refId: 'B', datasource: { type: 'loki', uid: 'logs' }, query: { expr: '{app="hub"}' } },
      ],
    }, null, 2),
    '```',
    '',
  ].join('\n');
  await page.getByTestId('open-file').setInputFiles({ name: 'investigation.md', mimeType: 'text/markdown', buffer: Buffer.from(notebook) });
  await expect(page.getByTestId('report-title')).toHaveText('Hub <i>investigation</i>');
  await allCellsSettled(page);
  const cells = page.getByTestId('cell');
  await expect(cells).toHaveCount(1);
  await expect(cells.first()).toHaveAttribute('data-state', 'drawn');
  await expect(page.getByTestId('prose').first()).toContainText('Converted from the Grafana notebook');
  await expect(page.getByTestId('prose').first()).toContainText('query B, which asks a loki datasource');
  // A code block in the notes stays a code block of text.
  await expect(page.getByTestId('prose').filter({ hasText: 'Who was' }).locator('pre')).toHaveText('hub: staging');
  // One trace per cluster and hub of the last week, named by the legend.
  const since = new Date(Date.now() - 8 * 86_400_000).toISOString().slice(0, 10);
  const week = state.expected.series.filter((s) => Object.keys(s.daily).some((day) => day >= since));
  const names = await cells.first().getByTestId('chart').evaluate((c) => c.data.map((t) => t.name).sort());
  expect(names).toEqual(week.map((s) => expectedName(s, week)).sort());
});

test('a dashboard the token may not read is left out of Grafana\'s list, as Grafana leaves it out', async ({ page }) => {
  const denied = await extraGrafana(3131, ['--deny-dashboard', 'jupyterhub-usage', '--cors-origin', SITE.replace(/\/$/, '')]);
  try {
    await openAndConnect(page, SITE, { grafanaUrl: denied.url });
    await openImport(page);
    const list = page.getByTestId('dashboard-list');
    // Left out of the search, as Grafana leaves out what the token may not read.
    await expect(list.getByTestId('dashboard')).toHaveCount(7);
    await expect(list).not.toContainText('Usage Report');
  } finally {
    await denied.stop();
  }
});

test('every community dashboard converts and runs against the stack: each cell draws, or says why not', async ({ page }) => {
  test.setTimeout(180_000);
  await openAndConnect(page, SITE);
  await expect(page.getByTestId('datasource-summary')).toContainText('3 ok', { timeout: 30_000 });
  for (const file of ['node-exporter-full.json', 'dotdc-k8s-views-global.json', 'jupyterhub-cluster.json']) {
    await page.getByTestId('open-file').setInputFiles(`${FIXTURES}/${file}`);
    const title = JSON.parse(readFileSync(`${FIXTURES}/${file}`, 'utf8')).title;
    await expect(page.getByTestId('report-title')).toHaveText(title);
    await allCellsSettled(page);
    const states = await page.evaluate(() =>
      [...document.querySelectorAll('[data-testid=cell]')].map((c) => ({ state: c.dataset.state, said: c.querySelector('[data-testid=error]')?.textContent ?? '' })),
    );
    expect(states.length, file).toBeGreaterThan(5);
    for (const { state, said } of states) {
      // The stack has no node_exporter or Kubernetes metrics: a cell draws, or says there is no data.
      expect(['drawn', 'empty'], `${file}: ${said}`).toContain(state);
      if (state === 'empty') expect(said).toContain('No data for this range');
    }
  }
});

test('promnote import-dashboard writes the same report as the page, and says what Grafana refused', async ({ page }) => {
  const state = await openAndConnect(page, SITE);
  await openImport(page);
  await page.getByTestId('dashboard-list').getByTestId('dashboard').filter({ hasText: 'Node Exporter Full' }).click();
  await expect(page.getByTestId('report-title')).toHaveText('Node Exporter Full');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-md').click()]);
  const fromPage = readFileSync(await download.path(), 'utf8');
  const cli = promnote(['--grafana', state.grafana_url, 'import-dashboard', '--uid', 'node-exporter-full'], { token: state.token });
  expect(cli.code, cli.stderr).toBe(0);
  expect(cli.stdout).toBe(fromPage);
  expect(cli.stderr).toContain('not carried over');
  const file = promnote(['import-dashboard', `${FIXTURES}/node-exporter-full.json`]);
  expect(file.code, file.stderr).toBe(0);
  expect(file.stdout).toBe(fromPage);

  const listed = promnote(['--grafana', state.grafana_url, 'import-dashboard', '--list'], { token: state.token });
  expect(listed.stdout.split('\n').filter(Boolean)).toContain('jupyterhub-activity\tJupyterHub\tActivity');
  const gone = promnote(['--grafana', state.grafana_url, 'import-dashboard', '--uid', 'no-such-dashboard'], { token: state.token });
  expect(gone.code).toBe(2);
  expect(gone.stderr).toContain('the dashboard no-such-dashboard is not in this Grafana (404)');
  const denied = await extraGrafana(3132, ['--deny-dashboard', 'jupyterhub-usage']);
  try {
    const refused = promnote(['--grafana', denied.url, 'import-dashboard', '--uid', 'jupyterhub-usage'], { token: state.token });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('Permissions needed: dashboards:read');
  } finally {
    await denied.stop();
  }
});

test('promnote runs every converted community dashboard against the stack: no cell fails', async () => {
  test.setTimeout(240_000);
  const state = stackState();
  const dir = mkdtempSync(join(tmpdir(), 'promnote-dashboards-'));
  for (const file of readdirSync(FIXTURES).filter((f) => f.endsWith('.json')).sort()) {
    const report = join(dir, file.replace(/\.json$/, '.md'));
    const converted = promnote(['import-dashboard', `${FIXTURES}/${file}`, '--out', report]);
    expect(converted.code, `${file}: ${converted.stderr}`).toBe(0);
    const run = promnote(['--grafana', state.grafana_url, '-q', 'run', report, '--format', 'json'], { token: state.token });
    expect(run.code, `${file}: ${run.stderr}`).toBe(0);
    const cells = JSON.parse(run.stdout).cells;
    expect(cells.length, file).toBeGreaterThan(0);
    for (const cell of cells) {
      // Every query is valid PromQL once variables and macros are in: data, or none.
      expect(cell.error ?? null, `${file}: ${cell.title}`).toBeNull();
      expect(cell.failures, `${file}: ${cell.title}`).toEqual([]);
    }
  }
});

/** Runs the command line (the token only in the environment). */
function promnote(args, { token } = {}) {
  const result = spawnSync(process.env.PROMNOTE_BIN ?? 'target/debug/promnote', args, {
    encoding: 'utf8',
    timeout: 120_000,
    // A run's JSON holds every point of every cell (the ingress dashboards' are several MB).
    maxBuffer: 256 * 1024 * 1024,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...(token ? { GRAFANA_TOKEN: token } : {}) },
  });
  if (result.error) throw result.error;
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
