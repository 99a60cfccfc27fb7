// Browser half of dev/bench: loads the release build in Debian's headless Chromium and
// measures (1) the core's decode + pivot in wasm on 1, 10 and 100 MB answers through the
// app's bench hooks, and (2) click → chart drawn for the hub-activity report against the
// real stack, from the app's own performance marks. Prints medians of N runs.
// Usage: node dev/bench.mjs <site-url> <stack-state.json> [runs]
import { readFileSync } from 'node:fs';
import { chromium } from '@playwright/test';

const [siteUrl, stateFile, runsArg] = process.argv.slice(2);
const runs = Number(runsArg ?? 5);
const state = JSON.parse(readFileSync(stateFile, 'utf8'));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
await page.goto(siteUrl);
await page.waitForFunction(() => window.wasmBindings?.promnoteBenchDecode);

const results = {};
for (const mb of [1, 10, 100]) {
  const times = await page.evaluate(
    ({ mb, runs }) => {
      const body = window.wasmBindings.promnoteBenchAnswer(mb);
      const out = [];
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        const cells = window.wasmBindings.promnoteBenchDecode(body);
        out.push({ ms: performance.now() - t0, bytes: body.length, cells });
      }
      return out;
    },
    { mb, runs: mb >= 100 ? Math.min(runs, 3) : runs },
  );
  const ms = median(times.map((t) => t.ms));
  results[`wasm decode+pivot ${mb} MB`] = `${((times[0].bytes / 1e6) / (ms / 1000)).toFixed(0)} MB/s (median ${ms.toFixed(0)} ms)`;
}

const drawn = [];
for (let i = 0; i < runs; i++) {
  await page.goto(siteUrl);
  await page.getByTestId('grafana-url').fill(state.grafana_url);
  await page.getByTestId('grafana-token').fill(state.token);
  await page.getByTestId('connect').click();
  await page.waitForFunction(() => performance.getEntriesByName('promnote:drawn').length > 0, null, { timeout: 60_000 });
  drawn.push(
    await page.evaluate(() => {
      const click = performance.getEntriesByName('promnote:click')[0].startTime;
      return performance.getEntriesByName('promnote:drawn')[0].startTime - click;
    }),
  );
}
results['small: click → chart drawn'] = `${median(drawn).toFixed(0)} ms (median of ${runs}; all: ${drawn.map((d) => d.toFixed(0)).join(', ')})`;
await browser.close();
for (const [k, v] of Object.entries(results)) console.log(`${k.padEnd(34)} ${v}`);
