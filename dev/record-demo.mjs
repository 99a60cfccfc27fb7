// Records the demo data that the static site replays in its demo-data mode: drives the
// built site in headless Chromium against the real stack, captures every API answer
// the built-in reports need (keyed like the app's replay transport: "METHOD path\nform"),
// and writes demo-data/reports.json. Every report is run at the connection's "now", which
// is what the replay uses. The token is never written.
// Usage: node dev/record-demo.mjs target/demo-stack/<name>/state.json
import { readFileSync, writeFileSync } from 'node:fs';
import { chromium, expect } from '@playwright/test';
import { allCellsSettled, BUILT_IN_REPORTS } from '../e2e/support.mjs';

const state = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const base = state.grafana_url.replace(/\/?$/, '/');
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
});
const page = await browser.newPage();
const answers = {};
page.on('response', async (response) => {
  const request = response.request();
  if (!request.url().startsWith(`${base}api/`) || request.url().endsWith('/api/health')) return;
  // gloo-net appends an empty query (`&`) to a URL that already has one; the app's key has none.
  const path = request.url().slice(base.length).replace(/[?&]$/, '');
  const key = request.method() === 'POST' ? `POST ${path}\n${request.postData() ?? ''}` : `GET ${path}`;
  answers[key] = { status: response.status(), content_type: response.headers()['content-type'] ?? null, body: await response.text() };
});
await page.goto(base);
await page.getByTestId('grafana-url').fill(base);
await page.getByTestId('grafana-token').fill(state.token);
await page.getByTestId('connect').click();
const cell = page.getByTestId('cell').first();
await cell.and(page.locator('[data-state=drawn]')).waitFor({ timeout: 60_000 });
const recordedAt = Number(await cell.getAttribute('data-evaluated-at'));
await allCellsSettled(page);
for (const id of BUILT_IN_REPORTS.slice(1)) {
  await page.locator(`[data-testid=report-link][data-report=${id}]`).click();
  await expect(page.getByTestId('report')).toHaveAttribute('data-report', id);
  await allCellsSettled(page);
}
await page.waitForTimeout(500);
await browser.close();

const text = JSON.stringify({ format: 1, recorded_at_ms: recordedAt, answers }, null, 1);
if (text.includes(state.token)) throw new Error('the recording contains the token');
writeFileSync('demo-data/reports.json', `${text}\n`);
console.log(`recorded ${Object.keys(answers).length} answers at ${new Date(recordedAt).toISOString()}`);
