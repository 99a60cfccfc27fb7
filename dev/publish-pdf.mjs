// Renders each snapshot of a built site to PDF through the page's own print stylesheet:
// serves SITE_DIR on loopback (a plain static server), opens #/<id> in Debian's headless
// Chromium, waits until every cell has settled, and prints it beside its snapshot
// (SITE_DIR/snapshots/<id>.pdf). Nothing but the site itself is contacted.
// Usage: node dev/publish-pdf.mjs SITE_DIR
import { spawn } from 'node:child_process';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import { allCellsSettled, waitForServer } from '../e2e/support.mjs';

/** Writes `bytes` to `path` as promnote writes snapshots: an exclusive temporary name in
 * the same folder, synced, then renamed into place (a reader sees the old file or the new
 * one, whole). */
function writeAtomically(path, bytes) {
  const temporary = join(path, '..', `.${path.split('/').pop()}.${process.pid}.partial`);
  const fd = openSync(temporary, 'wx', 0o644);
  try {
    writeSync(fd, bytes);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(temporary, { force: true });
    throw e;
  }
  closeSync(fd);
  renameSync(temporary, path);
}

const site = process.argv[2];
if (!site) throw new Error('usage: node dev/publish-pdf.mjs SITE_DIR');
const index = JSON.parse(readFileSync(join(site, 'snapshots', 'index.json'), 'utf8'));
const port = Number(process.env.PUBLISH_PDF_PORT ?? 3198);
const server = spawn('python3', ['dev/serve_static.py', '--port', String(port), '--mount', `/site/=${site}`], { stdio: 'ignore' });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
});
try {
  await waitForServer(`http://127.0.0.1:${port}/site/`);
  for (const { id, file } of index.snapshots) {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(`http://127.0.0.1:${port}/site/#/${id}`);
    await page.locator(`[data-testid=report][data-report="${id}"]`).waitFor({ timeout: 30_000 });
    await page.getByTestId('snapshot-banner').waitFor({ timeout: 30_000 });
    await allCellsSettled(page);
    await page.emulateMedia({ media: 'print' });
    const pdf = join(site, 'snapshots', file.replace(/\.json$/, '.pdf'));
    writeAtomically(pdf, await page.pdf({ format: 'A4', printBackground: true }));
    console.log(`publish: ${id} -> ${pdf}`);
    await page.close();
  }
} finally {
  await browser.close();
  server.kill();
}
