// Browser half of dev/bench, for one scale of the stack: loads the release build in
// Debian's headless Chromium and measures click → every chart drawn from the app's own
// performance marks (`promnote:click` at Connect or Run all, `promnote:drawn` when every
// cell has settled), the longest main-thread tasks (Long Tasks API) and the longest
// synchronous Plotly.react call. For the small scale it also measures the core's decode
// + pivot in wasm on 1, 10 and 100 MB answers through the app's bench hooks.
// Writes the figures as JSON to <out.json>.
// The `monthly` mode runs on the small stack: the built-in Community usage report (thirteen
// months of calendar months, weeks and years over the three datasources), counting the
// queries it sends.
// The `churn` mode needs no stack: <stack-state.json> names a server of dev/bench_churn.py
// (`{"prometheus_url": …}`), which answers with 5,000 series of one sample each over 7 days;
// the page calls it directly, draws the top 40 and "other", and reports its wasm memory.
// Usage: node dev/bench.mjs <small|wide|dense|monthly|churn> <site-url> <stack-state.json> <runs> <out.json>
import { readFileSync, writeFileSync } from 'node:fs';
import { chromium } from '@playwright/test';

const [scale, siteUrl, stateFile, runsArg, outFile] = process.argv.slice(2);
const runs = Number(runsArg ?? 5);
const state = JSON.parse(readFileSync(stateFile, 'utf8'));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// The dense scale's report: 600 hourly series over 35 days (~11 MB of JSON).
const DENSE_REPORT = `---
format: 1
title: Dense
time:
  from: now-35d
  to: now
---

\`\`\`promql title="600 series, hourly" chart=line legend="{{series}}" step=1h
promnote_dense
\`\`\`
`;

// The churn scale's report: pod churn over 7 days at 1 minute, the top 40 and "other".
const CHURN_REPORT = `---
format: 1
title: Churn
time:
  from: now-7d
  to: now
---

\`\`\`promql title="Pods (churn)" chart=area top=40 step=1m legend="{{pod}}"
kube_pod_info
\`\`\`
`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
});
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
// Long tasks from the first moment, and how long each Plotly.react blocks the thread.
await context.addInitScript(() => {
  window.__longtasks = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__longtasks.push({ start: e.startTime, ms: e.duration });
  }).observe({ type: 'longtask', buffered: true });
  window.__react = [];
  let plotly;
  Object.defineProperty(window, 'Plotly', {
    configurable: true,
    get: () => plotly,
    set(value) {
      const react = value.react;
      value.react = function (...args) {
        const t0 = performance.now();
        const result = react.apply(this, args);
        window.__react.push({ start: t0, ms: performance.now() - t0 });
        return result;
      };
      plotly = value;
    },
  });
});
const page = await context.newPage();
const results = { scale };

if (scale === 'small') {
  await page.goto(siteUrl);
  await page.waitForFunction(() => window.wasmBindings?.promnoteBenchDecode);
  results.wasm_decode = {};
  for (const mb of [1, 10, 100]) {
    const times = await page.evaluate(
      ({ mb, runs }) => {
        const body = window.wasmBindings.promnoteBenchAnswer(mb);
        const out = [];
        // One untimed run first: it grows wasm memory to its working size.
        window.wasmBindings.promnoteBenchDecode(body);
        for (let i = 0; i < runs; i++) {
          const t0 = performance.now();
          window.wasmBindings.promnoteBenchDecode(body);
          out.push({ ms: performance.now() - t0, bytes: body.length });
        }
        return out;
      },
      // A 1 MB decode takes ~10 ms, so one pause of the collector moves a single run a
      // lot: the small sizes always take the median of at least 9.
      { mb, runs: mb >= 100 ? Math.min(runs, 3) : Math.max(runs, 9) },
    );
    const ms = median(times.map((t) => t.ms));
    results.wasm_decode[`${mb} MB`] = { ms, mb_per_s: times[0].bytes / 1e6 / (ms / 1000) };
  }
}

/** One measured run: Connect, with the hub-activity report (small, wide) or the dense one open. */
async function once() {
  const answers = [];
  const sent = { query_range: 0, query: 0 };
  const onResponse = async (r) => {
    // The JSON as decoded (transfers may be gzip-compressed).
    if (r.url().includes('/api/v1/query')) answers.push((await r.body().catch(() => Buffer.alloc(0))).length);
  };
  const onRequest = (r) => {
    const kind = r.url().match(/\/api\/v1\/(query_range|query)(\?|$)/)?.[1];
    if (kind && r.method() !== 'OPTIONS') sent[kind] += 1;
  };
  // A fresh document each run (a change of hash alone would keep the last run's marks).
  await page.goto('about:blank');
  await page.goto(scale === 'monthly' ? `${siteUrl}#/community-usage` : siteUrl);
  if (scale === 'dense') {
    await page.getByTestId('open-file').setInputFiles({ name: 'dense.md', mimeType: 'text/markdown', buffer: Buffer.from(DENSE_REPORT) });
    await page.getByTestId('report-title').filter({ hasText: 'Dense' }).waitFor();
  }
  if (scale === 'churn') {
    await page.getByTestId('open-file').setInputFiles({ name: 'churn.md', mimeType: 'text/markdown', buffer: Buffer.from(CHURN_REPORT) });
    await page.getByTestId('report-title').filter({ hasText: 'Churn' }).waitFor();
    await page.locator('details.direct summary').click();
    await page.getByTestId('prom-url').fill(state.prometheus_url);
  } else {
    await page.getByTestId('grafana-url').fill(state.grafana_url);
    await page.getByTestId('grafana-token').fill(state.token);
  }
  page.on('response', onResponse);
  page.on('request', onRequest);
  await page.getByTestId('connect').click();
  await page.waitForFunction(() => performance.getEntriesByName('promnote:drawn').length > 0, null, { timeout: 120_000 });
  page.off('response', onResponse);
  page.off('request', onRequest);
  const figures = await page.evaluate(() => {
    const click = performance.getEntriesByName('promnote:click').at(-1).startTime;
    const drawn = performance.getEntriesByName('promnote:drawn')[0].startTime;
    const tasks = window.__longtasks.filter((t) => t.start >= click && t.start <= drawn);
    // A task that contains a synchronous Plotly.react is Plotly's draw (the one
    // exemption for the dense scale); every other task is the app's own work.
    const reacts = window.__react.filter((r) => r.start >= click && r.start <= drawn);
    const drawsIn = (t) => reacts.some((r) => r.start >= t.start && r.start <= t.start + t.ms);
    const own = tasks.filter((t) => !drawsIn(t));
    const chart = document.querySelector('[data-testid=chart]');
    return {
      ms: drawn - click,
      longest_task_ms: Math.max(0, ...tasks.map((t) => t.ms)),
      tasks_over_200ms: tasks.filter((t) => t.ms > 200).length,
      longest_own_task_ms: Math.max(0, ...own.map((t) => t.ms)),
      longest_react_ms: Math.max(0, ...reacts.map((r) => r.ms)),
      reacts: reacts.length,
      traces: chart?.data?.length ?? 0,
      datasources: document.querySelectorAll('[data-testid=datasource][data-status=ok]').length,
      variable_options: document.querySelector('[data-testid=variable]')?.options.length ?? 0,
      variable_filter: !!document.querySelector('[data-testid=variable-filter]'),
      errors: [...document.querySelectorAll('[data-testid=cell] [data-testid=error]')].map((e) => e.textContent),
      wasm_memory_bytes: window.wasmBindings?.promnoteWasmMemory?.() ?? 0,
    };
  });
  figures.bytes = answers.reduce((a, b) => a + b, 0);
  figures.requests = sent;
  figures.cells = await page.getByTestId('cell').count();
  return figures;
}

const all = [];
for (let i = 0; i < runs; i++) all.push(await once());
const pick = (key) => median(all.map((r) => r[key]));
results.click_to_drawn_ms = pick('ms');
results.all_ms = all.map((r) => Math.round(r.ms));
results.longest_task_ms = pick('longest_task_ms');
results.tasks_over_200ms = pick('tasks_over_200ms');
results.longest_own_task_ms = pick('longest_own_task_ms');
results.longest_react_ms = pick('longest_react_ms');
results.reacts = pick('reacts');
results.traces = all[0].traces;
results.datasources = all[0].datasources;
results.answer_bytes = all[0].bytes;
results.variable_options = all[0].variable_options;
results.variable_filter = all[0].variable_filter;
results.errors = all[0].errors;
results.requests = all[0].requests;
results.cells = all[0].cells;
results.wasm_memory_bytes = Math.max(...all.map((r) => r.wasm_memory_bytes));
await browser.close();
writeFileSync(outFile, JSON.stringify(results, null, 1));
console.log(`bench ${scale}: click → drawn ${results.click_to_drawn_ms.toFixed(0)} ms (median of ${runs}), ${results.traces} traces, ${results.datasources} datasources, longest task ${results.longest_task_ms.toFixed(0)} ms (without Plotly's draw ${results.longest_own_task_ms.toFixed(0)} ms), longest Plotly.react ${results.longest_react_ms.toFixed(0)} ms`);
