// The README's CORS recipes, tested as written: docs/cors/nginx.conf and docs/cors/Caddyfile
// run in Debian's nginx and caddy in front of the stack's Grafana-compatible server (which,
// like Grafana, sends no CORS headers). The page, on another origin, connects through them.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect } from '@playwright/test';
import { GRAFANA_PORT } from '../playwright.config.mjs';
import { watchConsole, openAndConnect, fillRecipe, waitForServer, runCaddy, expectDrawn } from './support.mjs';

const SITE = `http://127.0.0.1:${GRAFANA_PORT}/`;
const PAGE_ORIGIN = `http://127.0.0.1:${GRAFANA_PORT}`;

/** The recipe with its three marked values replaced. */
function recipe(file, listen, replacements) {
  return fillRecipe(file, [...replacements, ['https://you.github.io', PAGE_ORIGIN], ['127.0.0.1:3000', `127.0.0.1:${GRAFANA_PORT}`]]);
}

async function connectThrough(page, proxyUrl) {
  const console_ = watchConsole(page);
  await openAndConnect(page, SITE, { grafanaUrl: proxyUrl });
  await expectDrawn(page.getByTestId('cell').first(), { timeout: 45_000 });
  const status = await page.evaluate(() => [...document.querySelectorAll('[data-testid=datasource]')].map((li) => li.dataset.status));
  expect(status).toEqual(['ok', 'ok', 'ok', 'unsupported']);
  // A Grafana error still reaches the page, with its CORS headers ("always").
  const answer = await page.evaluate(async (url) => {
    const r = await fetch(`${url}api/datasources`, { headers: { Authorization: 'Bearer glsa_wrong' } });
    return { status: r.status, body: await r.text() };
  }, proxyUrl);
  expect(answer.status).toBe(401);
  expect(answer.body).toContain('Invalid API key');
  console_.assertNoPanic();
}

test('the nginx recipe lets a page on another origin use Grafana', async ({ page }) => {
  const port = 3112; // not 3105: the flaky-proxy test uses it
  const dir = mkdtempSync(join(tmpdir(), 'promnote-nginx-'));
  mkdirSync(join(dir, 'logs'));
  const server = recipe('docs/cors/nginx.conf', port, [['listen 443 ssl;', `listen 127.0.0.1:${port};`]]);
  writeFileSync(
    join(dir, 'nginx.conf'),
    `pid ${dir}/nginx.pid;\nerror_log ${dir}/logs/error.log;\nevents {}\nhttp {\n  access_log off;\n${server}\n}\n`,
  );
  const nginx = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: 'inherit' });
  try {
    await waitForServer(`http://127.0.0.1:${port}/`, 15_000);
    await connectThrough(page, `http://127.0.0.1:${port}/`);
  } finally {
    nginx.kill();
  }
});

test('the Caddy recipe lets a page on another origin use Grafana', async ({ page }) => {
  const port = 3106;
  const site = recipe('docs/cors/Caddyfile', port, [['grafana.example.org {', `http://127.0.0.1:${port} {`]]);
  const stop = await runCaddy(site, port, { waitMs: 15_000 });
  try {
    await connectThrough(page, `http://127.0.0.1:${port}/`);
  } finally {
    stop();
  }
});
