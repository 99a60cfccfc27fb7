// End-to-end tests: the release build of the site, driven in Debian's headless Chromium
// (never a downloaded browser) against the real stack started by dev/stack.py.
import { defineConfig } from '@playwright/test';

export const GRAFANA_PORT = 3100;
export const STATIC_PORT = 3199;

export default defineConfig({
  testDir: './e2e',
  testMatch: /.*\.spec\.mjs/,
  // The published site is checked on its own, with no stack (playwright.publish.config.mjs).
  testIgnore: /publish\//,
  // The tests stop and restart real Prometheus servers: run them one at a time.
  workers: 1,
  fullyParallel: false,
  timeout: 60_000,
  expect: { timeout: 20_000 },
  reporter: [['list']],
  outputDir: 'target/e2e-results',
  use: {
    browserName: 'chromium',
    viewport: { width: 1280, height: 900 },
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    },
    screenshot: 'only-on-failure',
    trace: 'off',
  },
  webServer: [
    {
      command: `python3 dev/stack.py up --site dist --port ${GRAFANA_PORT} --prom-port 19191 --name e2e --vm`,
      url: `http://127.0.0.1:${GRAFANA_PORT}/api/health`,
      timeout: 480_000,
      reuseExistingServer: false,
      stdout: 'pipe',
    },
    {
      // The static site alone, under a sub-path like GitHub Pages (/<repo>/): no Grafana at all.
      command: `python3 dev/serve_static.py --port ${STATIC_PORT} --mount /promnote/=dist`,
      url: `http://127.0.0.1:${STATIC_PORT}/promnote/`,
      timeout: 30_000,
      reuseExistingServer: false,
    },
  ],
});
