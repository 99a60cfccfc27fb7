// Checks the built dist/ for what a static host needs, and prints its first-load size.
// - every asset URL in index.html is relative (the site works under any sub-path);
// - nothing is loaded from another origin (no CDN);
// - plotly.js and the demo data are there.
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';

const dist = 'dist';
const html = readFileSync(join(dist, 'index.html'), 'utf8');
const failures = [];

for (const [, attr, url] of html.matchAll(/\b(src|href)="([^"]*)"/g)) {
  if (/^[a-z]+:\/\//i.test(url) || url.startsWith('//')) failures.push(`${attr}="${url}" points at another origin`);
  else if (url.startsWith('/')) failures.push(`${attr}="${url}" is absolute: breaks under a sub-path`);
}
for (const [, url] of html.matchAll(/(?:import|from)\s*\(?\s*['"]([^'"]+)['"]/g)) {
  if (!url.startsWith('./')) failures.push(`module URL ${url} is not relative`);
}
// plotly.js is carried inert (type="deferred", with its integrity) and loaded by the app
// after the form is on screen: it must not be a script that blocks the page.
const plotlyTag = html.match(/<script[^>]+src="\.\/plotly-cartesian[^"]*\.js"[^>]*>/)?.[0];
if (!plotlyTag) failures.push('plotly.js is not loaded from dist/');
else if (!/type="deferred"/.test(plotlyTag) || !/integrity="sha384-/.test(plotlyTag)) {
  failures.push(`plotly.js must be inert (type="deferred") with its integrity: ${plotlyTag}`);
}
if (!/<meta http-equiv="Content-Security-Policy" content="[^"]*script-src 'self' 'wasm-unsafe-eval' 'sha256-/.test(html)) {
  failures.push('the Content-Security-Policy meta (with the bootstrap hash) is missing');
}
try {
  statSync(join(dist, 'demo-data', 'reports.json'));
} catch {
  failures.push('dist/demo-data/reports.json is missing');
}

const groups = { wasm: /\.wasm$/, 'JS glue': /^promnote-.*\.js$/, 'plotly.js': /^plotly.*\.js$/, CSS: /\.css$/, HTML: /\.html$/ };
const sizes = {};
for (const file of readdirSync(dist)) {
  const path = join(dist, file);
  if (!statSync(path).isFile()) continue;
  const group = Object.keys(groups).find((g) => groups[g].test(file));
  if (!group) continue;
  const raw = readFileSync(path);
  sizes[group] ??= { raw: 0, gz: 0 };
  sizes[group].raw += raw.length;
  sizes[group].gz += gzipSync(raw, { level: 9 }).length;
}
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
let total = { raw: 0, gz: 0 };
console.log('first load       raw        gzipped');
for (const [group, s] of Object.entries(sizes)) {
  total.raw += s.raw;
  total.gz += s.gz;
  console.log(`${group.padEnd(12)} ${kb(s.raw).padStart(10)} ${kb(s.gz).padStart(12)}`);
}
console.log(`${'total'.padEnd(12)} ${kb(total.raw).padStart(10)} ${kb(total.gz).padStart(12)}`);
// `--json FILE`: the same figures for dev/bench's table (reports are compiled into the wasm).
const jsonAt = process.argv.indexOf('--json');
if (jsonAt > 0) writeFileSync(process.argv[jsonAt + 1], JSON.stringify({ ...sizes, total }, null, 1));

if (failures.length) {
  console.error(`dist check failed:\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
console.log('dist check: relative URLs only, no other origin, CSP meta, plotly.js and demo data present');
