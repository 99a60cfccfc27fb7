// The published site, checked as its readers get it: the folder dev/publish wrote
// (target/publish/site: the built site, snapshots and PDFs), served by a plain static
// server under a sub-path like GitHub Pages, with no Grafana and no Prometheus running.
import { defineConfig } from '@playwright/test';
import base from './playwright.config.mjs';

export const PUBLISHED_PORT = 3197;
export const PUBLISHED_DIR = 'target/publish/site';

export default defineConfig({
  ...base,
  testDir: './e2e/publish',
  testIgnore: [],
  outputDir: 'target/e2e-results/publish',
  webServer: [
    {
      command: `python3 dev/serve_static.py --port ${PUBLISHED_PORT} --mount /promnote/=${PUBLISHED_DIR}`,
      url: `http://127.0.0.1:${PUBLISHED_PORT}/promnote/`,
      timeout: 30_000,
      reuseExistingServer: false,
    },
  ],
});
