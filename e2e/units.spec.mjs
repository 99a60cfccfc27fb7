// Every unit's axis, with tick labels as long as real values make them: no label is cut
// off at the chart's edge, no two ticks read the same, and counts per second are plain
// decimals (0.4 req/s), not SI prefixes ("400m req/s").
import { test, expect } from '@playwright/test';
import { GRAFANA_PORT } from '../playwright.config.mjs';
import { watchConsole, openAndConnect, allCellsSettled } from './support.mjs';

const SITE = `http://127.0.0.1:${GRAFANA_PORT}/`;

let console_;
test.beforeEach(async ({ page }) => {
  console_ = watchConsole(page);
});
test.afterEach(async () => {
  console_.assertNoPanic();
});

/** Per cell: its title, its y tick labels, and how far the leftmost one sticks out of the
 * chart's box (negative: cut off). */
function yTicks(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('[data-testid=cell]')].map((cell) => {
      const chart = cell.querySelector('[data-testid=chart]');
      const box = chart.getBoundingClientRect();
      const ticks = [...chart.querySelectorAll('.ytick text')];
      return {
        title: cell.querySelector('[data-testid=cell-title]').textContent.trim(),
        labels: ticks.map((t) => t.textContent),
        room: Math.min(...ticks.map((t) => t.getBoundingClientRect().left - box.left)),
      };
    }),
  );
}

test('every unit fits its longest tick labels, and rates read as decimals', async ({ page }) => {
  await openAndConnect(page, SITE);
  await page.getByTestId('open-file').setInputFiles('e2e/fixtures/units.md');
  await expect(page.getByTestId('report-title')).toHaveText('Every unit, long labels');
  await allCellsSettled(page);
  await expect(page.locator('[data-testid=cell][data-state=drawn]')).toHaveCount(12);
  const cells = await yTicks(page);
  expect(cells.map((c) => c.title)).toEqual([
    'none', 'bytes', 'bytes, narrow', 'bytes/s', 'seconds', 'percent', 'percentunit', 'req/s, small', 'req/s', 'packets/s', 'ms', 'bits/s',
  ]);
  for (const cell of cells) {
    expect(cell.labels.length, `${cell.title} has tick labels`).toBeGreaterThan(0);
    expect(cell.room, `${cell.title}: ${cell.labels.join(' | ')} fit inside the chart`).toBeGreaterThanOrEqual(0);
    expect(new Set(cell.labels).size, `${cell.title}: no two ticks read the same (${cell.labels.join(' | ')})`).toBe(cell.labels.length);
  }
  const byTitle = Object.fromEntries(cells.map((c) => [c.title, c.labels]));
  for (const title of ['req/s, small', 'req/s', 'packets/s']) {
    for (const label of byTitle[title]) {
      expect(label, `${title}: no SI prefix on a rate`).not.toMatch(/\d\s*[munµkMGT]\s*(req|pkt)\/s/);
    }
  }
  expect(byTitle['req/s, small'].some((l) => /^0\.4\d* req\/s$/.test(l)), byTitle['req/s, small'].join(' | ')).toBe(true);
  expect(byTitle['req/s'].some((l) => /^\d{1,3}(,\d{3})+ req\/s$/.test(l)), byTitle['req/s'].join(' | ')).toBe(true);
  await page.screenshot({ path: 'target/e2e-results/units.png', fullPage: true });
  for (const [i, name] of [[2, 'bytes-narrow'], [7, 'rate-small'], [10, 'ms']]) {
    await page.getByTestId('cell').nth(i).screenshot({ path: `target/e2e-results/units-${name}.png` });
  }
});
