// Cold load: the built site from a static server that gzips as GitHub Pages does, in
// headless Chromium with no cache and an emulated link. For each link it prints the time
// to the form being usable (the app mounted: `promnote:mounted`), the time to the demo
// report drawn (the demo pressed as soon as the form works), the bytes on the wire before
// the form and by the drawn report, and when the wasm and plotly.js downloads ran.
//
// Usage: node dev/bench-cold.mjs SITE_URL RUNS OUT.json
import { writeFileSync } from 'node:fs';
import { chromium } from '@playwright/test';

const [siteUrl, runsArg, out] = process.argv.slice(2);
const RUNS = Number(runsArg ?? 3);
const LINKS = [
  { name: '10 Mbit/s, 40 ms', mbit: 10, latency: 40 },
  { name: '1.6 Mbit/s, 150 ms', mbit: 1.6, latency: 150 },
];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
});

async function once(link) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: link.latency,
    downloadThroughput: (link.mbit * 1e6) / 8,
    uploadThroughput: (link.mbit * 1e6) / 8,
  });
  const requests = new Map();
  cdp.on('Network.requestWillBeSent', (e) => requests.set(e.requestId, { url: e.request.url, start: e.timestamp }));
  cdp.on('Network.loadingFinished', (e) => {
    const r = requests.get(e.requestId);
    if (r) Object.assign(r, { end: e.timestamp, bytes: e.encodedDataLength });
  });
  await page.goto(siteUrl, { waitUntil: 'commit' });
  await page.waitForFunction(() => performance.getEntriesByName('promnote:mounted').length > 0, null, { timeout: 120_000 });
  const mounted = await page.evaluate(() => performance.getEntriesByName('promnote:mounted')[0].startTime);
  const wallAtMount = Date.now();
  const bytesBeforeForm = [...requests.values()].filter((r) => r.end).reduce((n, r) => n + r.bytes, 0);
  await page.getByTestId('demo').click();
  await page.waitForFunction(
    () => {
      const cells = [...document.querySelectorAll('[data-testid=cell]')];
      return (
        cells.length > 0 &&
        cells.every((c) => c.dataset.settled === 'true' && !['idle', 'loading'].includes(c.dataset.state)) &&
        [...document.querySelectorAll('[data-testid=chart]')].some((c) => c.querySelector('.main-svg'))
      );
    },
    null,
    { timeout: 120_000 },
  );
  const drawn = mounted + (Date.now() - wallAtMount);
  const all = [...requests.values()];
  const t0 = Math.min(...all.map((r) => r.start));
  const span = (pattern) => {
    const r = all.find((x) => pattern.test(x.url));
    return r && r.end ? { from_ms: (r.start - t0) * 1000, to_ms: (r.end - t0) * 1000, bytes: r.bytes } : null;
  };
  const result = {
    form_ms: mounted,
    drawn_ms: drawn,
    bytes_before_form: bytesBeforeForm,
    bytes_by_drawn: all.filter((r) => r.end).reduce((n, r) => n + r.bytes, 0),
    wasm: span(/_bg\.wasm$/),
    plotly: span(/plotly[^/]*\.js$/),
  };
  await context.close();
  return result;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = [];
for (const link of LINKS) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await once(link));
  const pick = (f) => median(runs.map(f));
  results.push({
    link: link.name,
    form_ms: pick((r) => r.form_ms),
    drawn_ms: pick((r) => r.drawn_ms),
    bytes_before_form: pick((r) => r.bytes_before_form),
    bytes_by_drawn: pick((r) => r.bytes_by_drawn),
    wasm: runs[0].wasm,
    plotly: runs[0].plotly,
    runs: runs.map((r) => [Math.round(r.form_ms), Math.round(r.drawn_ms)]),
  });
}
await browser.close();
writeFileSync(out, JSON.stringify(results, null, 1));
for (const r of results) {
  const w = r.wasm, p = r.plotly;
  console.log(
    `${r.link}: form usable ${r.form_ms.toFixed(0)} ms, demo drawn ${r.drawn_ms.toFixed(0)} ms, ` +
      `${(r.bytes_before_form / 1024).toFixed(0)} KB before the form, ${(r.bytes_by_drawn / 1024).toFixed(0)} KB by the chart; ` +
      `wasm ${w?.from_ms.toFixed(0)}–${w?.to_ms.toFixed(0)} ms, plotly.js ${p?.from_ms.toFixed(0)}–${p?.to_ms.toFixed(0)} ms`,
  );
}
