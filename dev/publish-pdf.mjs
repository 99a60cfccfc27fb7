// Renders each snapshot of a built site to PDF through the page's own print stylesheet:
// serves SITE_DIR on loopback (a plain static server), opens #/<id> in Debian's headless
// Chromium (on a private site, unlocked with the passphrase as a reader does), waits
// until every cell has settled, prints it to a private temporary file, and hands it to
// `promnote attach`, which writes it beside its snapshot (sealed on a private site) and
// lists it in the index. Nothing but the site itself is contacted.
// Usage: PROMNOTE=path/to/promnote [PROMNOTE_PASSPHRASE_FILE=FILE] node dev/publish-pdf.mjs SITE_DIR
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import { allCellsSettled, waitForServer } from '../e2e/support.mjs';

const promnoteBin = process.env.PROMNOTE ?? 'target/cli/promnote';
const passphraseFile = process.env.PROMNOTE_PASSPHRASE_FILE || '';
const sealing = passphraseFile ? ['--encrypt', '--passphrase-file', passphraseFile] : [];

/** Runs promnote on the site's snapshots folder; stops on a failure, with its words. */
function promnote(args) {
  const result = spawnSync(promnoteBin, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.status !== 0) throw new Error(`promnote ${args[0]} failed (${result.status}): ${result.stderr}`);
  return result.stdout;
}

const site = process.argv[2];
if (!site) throw new Error('usage: node dev/publish-pdf.mjs SITE_DIR');
const snapshots = join(site, 'snapshots');
// The index as promnote reads it (opened, on a private site).
const index = JSON.parse(promnote(['site-index', snapshots, ...sealing]));
const passphrase = passphraseFile ? readFileSync(passphraseFile, 'utf8') : '';
const printed = mkdtempSync(join(tmpdir(), 'promnote-pdf-'));
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
    if (passphrase) {
      await page.getByTestId('passphrase').fill(passphrase);
      await page.getByTestId('unlock-button').click();
    }
    await page.locator(`[data-testid=report][data-report="${id}"]`).waitFor({ timeout: 30_000 });
    await page.getByTestId('snapshot-banner').waitFor({ timeout: 30_000 });
    await allCellsSettled(page);
    await page.emulateMedia({ media: 'print' });
    const pdf = join(printed, `${file.replace(/\.json$/, '')}.pdf`);
    writeFileSync(pdf, await page.pdf({ format: 'A4', printBackground: true }), { mode: 0o600 });
    promnote(['attach', snapshots, id, pdf, ...sealing]);
    rmSync(pdf);
    console.log(`publish: ${id} -> PDF`);
    await page.close();
  }
} finally {
  await browser.close();
  server.kill();
  rmSync(printed, { recursive: true, force: true });
}
