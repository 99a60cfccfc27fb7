// Accessibility: axe-core's WCAG 2.0/2.1 A and AA rules on every built-in report, before
// any data and after the demo data is drawn, in light and in dark mode; and a keyboard-only
// walk: skip link, connect, the demo, switching reports, running a cell, CSV and PNG.
//
// The test's browser context bypasses the page's Content-Security-Policy so that axe can
// be injected; the shipped page keeps its policy (other tests check there is no violation).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test, expect } from '@playwright/test';
import { BUILT_IN_REPORTS, allCellsSettled, stackState, watchConsole } from './support.mjs';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const SITE = 'http://127.0.0.1:3100/';
const REPORTS = BUILT_IN_REPORTS;
const WCAG_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

test.use({ bypassCSP: true });

/** axe's WCAG 2.1 AA violations on the page as it is now, one line per element. */
async function violations(page) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: AXE });
  const found = await page.evaluate(
    (tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }),
    WCAG_AA,
  );
  return found.violations.flatMap((v) =>
    v.nodes.map((n) => `${v.id} (${v.impact}): ${n.target.join(' ')} — ${n.failureSummary.replace(/\s+/g, ' ')}`),
  );
}

async function openReport(page, id) {
  await page.locator(`[data-testid=report-link][data-report="${id}"]`).click();
  await expect(page.getByTestId('report')).toHaveAttribute('data-report', id);
}

for (const colorScheme of ['light', 'dark']) {
  test(`axe finds no WCAG 2.1 AA violation on any built-in report, before and after data (${colorScheme})`, async ({ page }) => {
    const console = watchConsole(page);
    await page.emulateMedia({ colorScheme });
    await page.goto(SITE);
    await expect(page.getByTestId('connect')).toBeVisible();
    const found = {};
    for (const id of REPORTS) {
      await openReport(page, id);
      found[`${id}, no data`] = await violations(page);
    }
    await page.getByTestId('demo').click();
    for (const id of REPORTS) {
      await openReport(page, id);
      await allCellsSettled(page);
      await expect(page.locator('[data-testid=cell][data-state=drawn]').first()).toBeVisible();
      found[`${id}, demo data`] = await violations(page);
    }
    // A failed connection's messages, too.
    await page.getByTestId('grafana-url').fill('http://127.0.0.1:9/');
    await page.getByTestId('grafana-token').fill('glsa_not_a_real_token');
    await page.getByTestId('connect').click();
    await expect(page.getByTestId('error').first()).toContainText('Could not reach');
    found['unreachable Grafana'] = await violations(page);
    await page.screenshot({ path: `target/e2e-results/accessibility-${colorScheme}.png`, fullPage: true });
    for (const [where, list] of Object.entries(found)) expect(list, where).toEqual([]);
    // The check can fail: a button faded as the cell tools were is found.
    await page.evaluate(() => {
      document.querySelector('main').insertAdjacentHTML(
        'afterbegin',
        '<p id="axe-canary"><button class="secondary" style="opacity:0.55">Faded</button></p>',
      );
    });
    const canary = (await violations(page)).filter((v) => v.includes('#axe-canary'));
    expect(canary.some((v) => v.startsWith('color-contrast'))).toBe(true);
    console.assertNoPanic();
  });
}

/** Presses Tab (at most `limit` times) until the focused element matches `selector`. */
async function tabTo(page, selector, limit = 250) {
  for (let i = 0; i < limit; i++) {
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${selector}`);
}

test('keyboard only: skip link, connect, the demo, another report, run a cell, CSV and PNG', async ({ page }) => {
  const state = stackState();
  await page.goto(SITE);
  await expect(page.getByTestId('connect')).toBeVisible();
  // The first Tab lands on the skip link, which moves focus to the report.
  await page.keyboard.press('Tab');
  await expect(page.getByTestId('skip-link')).toBeFocused();
  await expect(page.getByTestId('skip-link')).toBeVisible();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('report-title')).toBeFocused();

  // Connect: type into the fields, submit with Enter.
  await page.keyboard.press('Shift+Tab');
  await tabTo(page, '[data-testid=grafana-url]');
  await page.keyboard.type(state.grafana_url);
  await tabTo(page, '[data-testid=grafana-token]');
  await page.keyboard.type(state.token);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('connected')).toContainText(`Connected to ${state.grafana_url}`);
  await allCellsSettled(page);

  // The demo.
  await tabTo(page, '[data-testid=demo]');
  await page.keyboard.press('Enter');
  await expect(page.getByText('Showing recorded demo data')).toBeVisible();
  await allCellsSettled(page);

  // Another report from the gallery.
  await tabTo(page, '[data-testid=report-link][data-report="service-metrics"]');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('report')).toHaveAttribute('data-report', 'service-metrics');
  await allCellsSettled(page);

  // Run its first cell again.
  const cell = page.getByTestId('cell').first();
  const runs = Number(await cell.getAttribute('data-runs'));
  await tabTo(page, '[data-testid=run-cell]');
  await page.keyboard.press('Enter');
  await expect(cell).toHaveAttribute('data-runs', String(runs + 1));
  await expect(cell).toHaveAttribute('data-settled', 'true');
  await expect(cell).toHaveAttribute('data-state', 'drawn');

  // Its CSV and its chart as PNG, and the zoom reset.
  await tabTo(page, '[data-testid=download-csv]');
  const [csv] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
  expect(csv.suggestedFilename()).toMatch(/\.csv$/);
  expect(readFileSync(await csv.path(), 'utf8').split('\n')[0]).toMatch(/^(day|time),/);
  await tabTo(page, '[data-testid=download-png]');
  await page.screenshot({ path: 'target/e2e-results/keyboard-focus.png' });
  const [png] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
  expect(png.suggestedFilename()).toMatch(/\.png$/);
  const bytes = readFileSync(await png.path());
  expect(bytes.subarray(1, 4).toString()).toBe('PNG');
  // Zoomed in (as a drag would), the zoom reset by the keyboard shows all the data again.
  await tabTo(page, '[data-testid=reset-zoom]');
  const autorange = () =>
    page.evaluate(() => {
      const chart = document.activeElement.closest('section.cell').querySelector('[data-testid=chart]');
      return chart.layout.xaxis.autorange === true && chart.layout.yaxis.autorange === true;
    });
  await page.evaluate(() => {
    const chart = document.activeElement.closest('section.cell').querySelector('[data-testid=chart]');
    return window.Plotly.relayout(chart, { 'yaxis.range': [0, 1] });
  });
  expect(await autorange()).toBe(false);
  await page.keyboard.press('Enter');
  await expect.poll(autorange).toBe(true);
});
