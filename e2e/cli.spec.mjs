// The `promnote` command line against the real stack (Prometheus, the Grafana-compatible
// server), run as a user runs it; and the page's CSV buttons against the command line on
// one recorded set of answers: the same bytes.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect } from '@playwright/test';
import { GRAFANA_PORT } from '../playwright.config.mjs';
import { BUILT_IN_REPORTS, stackState, stopPrometheus, extraGrafana, expectedName, allCellsSettled, ReportPage, watchConsole } from './support.mjs';

const PROMNOTE = process.env.PROMNOTE_BIN ?? 'target/debug/promnote';
const HUBS = 'max(jupyterhub_active_users{period="24h"}) by (namespace)';

/** Runs the binary with `args`; the token only in the environment, as the README says. */
function promnote(args, { token, env = {} } = {}) {
  const result = spawnSync(PROMNOTE, args, {
    encoding: 'utf8',
    timeout: 120_000,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...(token ? { GRAFANA_TOKEN: token } : {}), ...env },
  });
  if (result.error) throw result.error;
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Tidy CSV rows (no quoted commas in these reports) as objects by header. */
function rows(csv) {
  const [header, ...lines] = csv.split('\r\n').filter(Boolean).map((l) => l.split(','));
  return lines.map((l) => Object.fromEntries(header.map((h, i) => [h, l[i]])));
}

let console_;
test.beforeEach(async ({ page }) => {
  console_ = watchConsole(page);
});
test.afterEach(async () => {
  console_.assertNoPanic();
});

test('promnote datasources lists type, route and health', () => {
  const state = stackState();
  const out = promnote(['--grafana', state.grafana_url, 'datasources', '--format', 'json'], { token: state.token });
  expect(out.code, out.stderr).toBe(0);
  const list = JSON.parse(out.stdout);
  expect(list.map((d) => [d.name, d.route, d.health])).toEqual([
    ['cluster-north', 'proxy', 'ok'],
    ['cluster-south', 'proxy', 'ok'],
    ['cluster-west', 'proxy', 'ok'],
    ['Logs', '-', 'not queried: not Prometheus'],
  ]);
  const table = promnote(['--grafana', state.grafana_url, 'datasources'], { token: state.token });
  expect(table.stdout.split('\n')[0]).toMatch(/^NAME\s+UID\s+TYPE\s+ROUTE\s+HEALTH$/);
});

test('promnote query does the notebook in one line: every cluster, calendar days, the generated values', () => {
  const state = stackState();
  const out = promnote(['--grafana', state.grafana_url, 'query', HUBS, '--from', 'now-1M', '--step', '1d', '--legend', '{{namespace}}', '--format', 'csv-wide'], { token: state.token });
  expect(out.code, out.stderr).toBe(0);
  const [header, ...lines] = out.stdout.split('\r\n').filter(Boolean).map((l) => l.split(','));
  expect(header[0]).toBe('day');
  const expected = state.expected.series;
  expect(header.slice(1).sort()).toEqual(expected.map((s) => expectedName(s, expected)).sort());
  let checked = 0;
  for (const series of expected) {
    const column = header.indexOf(expectedName(series, expected));
    for (const line of lines.slice(0, -1)) {
      const want = series.daily[line[0]];
      expect(line[column] === '' ? undefined : Number(line[column]), `${header[column]} on ${line[0]}`).toBe(want);
      checked += 1;
    }
  }
  expect(checked).toBeGreaterThan(250);
  // The tidy layout keeps every sample with its datasource and labels.
  const tidy = promnote(['--grafana', state.grafana_url, 'query', HUBS, '--step', '1d'], { token: state.token });
  const staging = rows(tidy.stdout).filter((r) => r.namespace === 'staging');
  expect(new Set(staging.map((r) => r.datasource))).toEqual(new Set(['cluster-north', 'cluster-south']));
});

/** Calendar arithmetic on ISO dates (`YYYY-MM-DD`), the same in every zone. */
function addDays(date, days) {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** The ISO 8601 week of a date (`2026-W47`): the week of its Thursday. */
function isoWeek(date) {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 3 - ((d.getUTCDay() + 6) % 7));
  const year = d.getUTCFullYear();
  const week = 1 + Math.floor((d - Date.UTC(year, 0, 1)) / 86_400_000 / 7);
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** The wall-clock date and time of an instant in a zone, as `YYYY-MM-DD HH:MM`. */
function wallClock(iso, zone) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-CA', {
    timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

/** Wide CSV rows of a calendar cell, checked: each starts at midnight in `zone` on the
 * first day of its period, is named after it, and all are complete but the last. */
function periodRows(stdout, step, zone) {
  const [header, ...lines] = stdout.split('\r\n').filter(Boolean).map((l) => l.split(','));
  expect(header.slice(0, 3)).toEqual(['start', 'period', 'status']);
  expect(lines.map((l) => l[2])).toEqual([...Array(lines.length - 1).fill('complete'), 'so far']);
  for (const [start, period] of lines) {
    const first = start.slice(0, 10);
    expect(wallClock(start, zone), `${period} starts at midnight in ${zone}`).toBe(`${first} 00:00`);
    if (step === '1w') {
      expect(new Date(`${first}T00:00:00Z`).getUTCDay(), `${period} starts on a Monday`).toBe(1);
      expect(period).toBe(isoWeek(first));
    } else {
      expect(first.endsWith('-01'), `${period} starts on the 1st`).toBe(true);
      expect(period).toBe(first.slice(0, 7));
    }
  }
  return { header, lines };
}

for (const zone of ['UTC', 'Europe/Berlin']) {
  test(`calendar weeks and months in ${zone}: a complete one is the generator's value at its end, the current one so far`, () => {
    const state = stackState();
    const expected = zone === 'UTC' ? state.expected.series : state.expected.europe_berlin;
    for (const step of ['1w', '1M']) {
      const out = promnote(['--grafana', state.grafana_url, 'query', HUBS, '--from', 'now-35d', '--step', step, '--tz', zone, '--legend', '{{namespace}}', '--format', 'csv-wide'], { token: state.token });
      expect(out.code, out.stderr).toBe(0);
      const { header, lines } = periodRows(out.stdout, step, zone);
      expect(lines.length).toBeGreaterThanOrEqual(step === '1w' ? 6 : 2);
      expect(header.slice(3).sort()).toEqual(expected.map((s) => expectedName(s, expected)).sort());
      // The days the generator wrote values for (in the zone); data runs a little before them.
      const firstDay = expected.flatMap((s) => Object.keys(s.daily)).sort()[0];
      let checked = 0;
      for (const [i, line] of lines.slice(0, -1).entries()) {
        // The period's value is the one at the midnight after its last day: the daily bar of that day.
        const lastDay = addDays(lines[i + 1][0].slice(0, 10), -1);
        if (lastDay < firstDay) continue;
        checked += 1;
        for (const series of expected) {
          const column = header.indexOf(expectedName(series, expected));
          expect(line[column] === '' ? undefined : Number(line[column]), `${header[column]} in ${line[1]}`).toBe(series.daily[lastDay]);
        }
      }
      expect(checked, `complete ${step} periods checked`).toBeGreaterThanOrEqual(step === '1w' ? 4 : 1);
      // The period so far has a value for every hub that exists today.
      const today = lines[lines.length - 1];
      expect(today.slice(3).filter((v) => v !== '').length).toBeGreaterThan(0);
    }
    // The tidy layout writes each sample at its period's start, with the period's name.
    const tidy = rows(promnote(['--grafana', state.grafana_url, 'query', HUBS, '--from', 'now-35d', '--step', '1M', '--tz', zone, '--legend', '{{namespace}}'], { token: state.token }).stdout);
    const wide = periodRows(promnote(['--grafana', state.grafana_url, 'query', HUBS, '--from', 'now-35d', '--step', '1M', '--tz', zone, '--legend', '{{namespace}}', '--format', 'csv-wide'], { token: state.token }).stdout, '1M', zone);
    const prod = tidy.filter((r) => r.datasource === 'cluster-north' && r.namespace === 'prod');
    const column = wide.header.indexOf(expectedName(expected.find((s) => s.datasource === 'cluster-north' && s.namespace === 'prod'), expected));
    expect(prod.map((r) => [r.time, r.period, r.value])).toEqual(wide.lines.map((l) => [l[0], l[1], l[column]]));
  });
}

test('$__period is each bucket\'s own length: an hourly count over it is the hours of the week or month (DST included)', () => {
  const state = stackState();
  // One point per hour over the period: its length in hours, plus one where the window holds both ends.
  const COUNT = 'count_over_time(vector(1)[$__period:1h])';
  for (const step of ['1w', '1M']) {
    const before = Date.now();
    const out = promnote(['--grafana', state.grafana_url, 'query', COUNT, '--datasource', 'cluster-north', '--from', 'now-35d', '--step', step, '--tz', 'Europe/Berlin', '--format', 'csv-wide'], { token: state.token });
    const after = Date.now();
    expect(out.code, out.stderr).toBe(0);
    const { header, lines } = periodRows(out.stdout, step, 'Europe/Berlin');
    expect(header.length).toBe(4);
    const HOUR = 3_600_000;
    for (const [i, [start, period, , count]] of lines.entries()) {
      const from = Date.parse(start);
      if (i + 1 < lines.length) {
        const hours = (Date.parse(lines[i + 1][0]) - from) / HOUR;
        expect([hours, hours + 1], `${period}: ${hours} hours`).toContain(Number(count));
      } else {
        // So far: the time since the period began, when the query ran.
        expect(Number(count), `${period} so far`).toBeGreaterThanOrEqual(Math.floor((before - from) / HOUR));
        expect(Number(count), `${period} so far`).toBeLessThanOrEqual(Math.floor((after - from) / HOUR) + 1);
      }
    }
  }
});

/** CSV rows as arrays of fields (no quoted commas in these reports). */
function fields(csv) {
  return csv.split('\r\n').filter(Boolean).map((l) => l.split(','));
}

test('a table\'s totals and a summary\'s reducers are the arithmetic of the values it shows', () => {
  const state = stackState();
  const run = (cell) => {
    const out = promnote(['--grafana', state.grafana_url, 'run', 'e2e/fixtures/totals.md', '--cell', String(cell), '--format', 'csv-wide'], { token: state.token });
    expect(out.code, out.stderr).toBe(0);
    return fields(out.stdout);
  };
  const [header, ...lines] = run(1);
  const series = header.slice(3, -2);
  expect(header.slice(0, 3)).toEqual(['start', 'period', 'status']);
  expect(header.slice(-2)).toEqual(['Total', 'Total values']);
  expect(series.length).toBe(stackState().expected.series.length);
  const weeks = lines.slice(0, -1);
  const total = lines.at(-1);
  expect(total[0]).toBe('Total (sum)');
  const value = (v) => (v === '' ? null : Number(v));
  const column = (i) => weeks.map((w) => value(w[3 + i]));
  for (const week of weeks) {
    const present = week.slice(3, -2).filter((v) => v !== '').map(Number);
    expect(present.length, `${week[1]}: some hubs answered`).toBeGreaterThan(0);
    expect(Number(week.at(-2)), `${week[1]}'s total`).toBe(present.reduce((a, v) => a + v, 0));
    expect(Number(week.at(-1)), `${week[1]}'s count`).toBe(present.length);
  }
  series.forEach((name, i) => {
    const present = column(i).filter((v) => v !== null);
    expect(value(total[3 + i]), `${name} over the weeks`).toBe(present.length ? present.reduce((a, v) => a + v, 0) : null);
  });
  expect(Number(total.at(-2))).toBe(weeks.reduce((a, w) => a + Number(w.at(-2)), 0));

  // The summary: a row per hub, mean, max and last of the same weekly values.
  const [sumHeader, ...rows] = run(2);
  expect(sumHeader[0]).toBe('series');
  expect(sumHeader.slice(-3)).toEqual(['mean', 'max', 'last']);
  expect(rows.map((r) => r[0]).sort()).toEqual([...series].sort());
  for (const row of rows) {
    const present = column(series.indexOf(row[0])).filter((v) => v !== null);
    const [mean, max, last] = row.slice(-3).map(Number);
    expect(mean, `${row[0]}'s mean`).toBeCloseTo(present.reduce((a, v) => a + v, 0) / present.length, 9);
    expect(max, `${row[0]}'s max`).toBe(Math.max(...present));
    expect(last, `${row[0]}'s last`).toBe(present.at(-1));
  }
  // A stat with reduce=max: each hub's peak week.
  const [statHeader, ...stats] = run(3);
  expect(statHeader.at(-1)).toBe('max');
  for (const stat of stats) expect(Number(stat.at(-1)), stat[0]).toBe(Math.max(...column(series.indexOf(stat[0])).filter((v) => v !== null)));
  // A histogram of the hubs' means: each bin counts the hubs whose mean is in it.
  const [binHeader, ...bins] = run(4);
  expect(binHeader).toEqual(['bin', 'from', 'to', 'series']);
  const means = series.map((_, i) => {
    const present = column(i).filter((v) => v !== null);
    return present.reduce((a, v) => a + v, 0) / present.length;
  });
  for (const [label, from, to, count] of bins) {
    const inside = means.filter((m) => (from === '' || m >= Number(from)) && (to === '' || m < Number(to)));
    expect(Number(count), `hubs with a mean in ${label}`).toBe(inside.length);
  }
  expect(bins.reduce((a, b) => a + Number(b[3]), 0)).toBe(series.length);
});

test('a wrong token is exit code 3 with Grafana\'s reason, and no data', () => {
  const state = stackState();
  const out = promnote(['--grafana', state.grafana_url, 'run', 'reports/hub-activity.md'], { token: 'glsa_not_a_real_token' });
  expect(out.code).toBe(3);
  expect(out.stderr).toContain('Grafana refused the token');
  expect(out.stderr).not.toContain('glsa_not_a_real_token');
  expect(out.stdout).toBe('');
});

test('one Prometheus down: exit code 1, a warning naming it, and the other clusters written', async () => {
  const state = stackState();
  const restart = await stopPrometheus('prom-west');
  try {
    const out = promnote(['--grafana', state.grafana_url, 'run', 'reports/hub-activity.md'], { token: state.token });
    expect(out.code, out.stderr).toBe(1);
    expect(out.stderr).toContain('warning: Daily active users per hub: Grafana could not reach cluster-west (502 Bad Gateway)');
    const datasources = new Set(rows(out.stdout).map((r) => r.datasource));
    expect(datasources).toEqual(new Set(['cluster-north', 'cluster-south']));
  } finally {
    await restart();
  }
});

test('a Prometheus called directly, alone, with the generated values', () => {
  const state = stackState();
  const north = state.prometheus.find((p) => p.uid === 'prom-north');
  const out = promnote(['--prometheus', `http://127.0.0.1:${north.port}/`, 'query', HUBS, '--step', '1d', '--format', 'csv-wide', '--legend', '{{namespace}}']);
  expect(out.code, out.stderr).toBe(0);
  const [header, ...lines] = out.stdout.split('\r\n').filter(Boolean).map((l) => l.split(','));
  const prod = state.expected.series.find((s) => s.datasource === 'cluster-north' && s.namespace === 'prod');
  const column = header.indexOf('prod');
  expect(column).toBeGreaterThan(0);
  for (const line of lines.slice(0, -1)) expect(Number(line[column]), line[0]).toBe(prod.daily[line[0]]);
});

test('502s from the proxy are retried like the page does, and the run succeeds', async () => {
  const state = stackState();
  const grafana = await extraGrafana(3121, ['--flaky-uid', 'prom-west', '--flaky-count', '2']);
  try {
    const out = promnote(['--grafana', grafana.url, 'query', HUBS, '--step', '1d'], { token: state.token });
    expect(out.code, out.stderr).toBe(0);
    expect(new Set(rows(out.stdout).map((r) => r.datasource))).toContain('cluster-west');
  } finally {
    await grafana.stop();
  }
});

test('a request over --timeout is given up with a clear message; the rest is written', async () => {
  const state = stackState();
  const grafana = await extraGrafana(3122, ['--slow-uid', 'prom-west', '--slow-seconds', '6']);
  try {
    const out = promnote(['--grafana', grafana.url, '--timeout', '2', 'query', HUBS, '--step', '1d'], { token: state.token });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('cluster-west did not answer within 2 s');
    expect(new Set(rows(out.stdout).map((r) => r.datasource))).toEqual(new Set(['cluster-north', 'cluster-south']));
  } finally {
    await grafana.stop();
  }
});

test('a datasource that timed out costs one timeout: its other queries in the run fail at once, unsent', async () => {
  const state = stackState();
  const grafana = await extraGrafana(3123, ['--slow-uid', 'prom-west', '--slow-seconds', '6']);
  try {
    const out = promnote(['--grafana', grafana.url, '--timeout', '2', '--verbose', 'run', 'reports/service-metrics.md'], { token: state.token });
    expect(out.code, out.stderr).toBe(1);
    // --verbose lists every request sent: cluster-west got one, its health check, where
    // each of the report's cells and values would have waited 2 s more.
    const west = out.stderr.split('\n').filter((l) => /^promnote: (GET|POST) \S*\/uid\/prom-west\//.test(l));
    expect(west, out.stderr).toHaveLength(1);
    expect(west[0]).toContain('no answer');
    // Every cell says why cluster-west is missing, with the same reason.
    const cells = readFileSync('reports/service-metrics.md', 'utf8').match(/^```promql/gm).length;
    const said = out.stderr.split('\n').filter((l) => l.includes('cluster-west did not answer within 2 s'));
    expect(said.length, out.stderr).toBeGreaterThanOrEqual(cells);
    // The other datasources answered.
    expect(rows(out.stdout).some((r) => r.datasource === 'cluster-north')).toBe(true);
  } finally {
    await grafana.stop();
  }
});

test('run --out writes one file per cell and the report CSV', () => {
  const state = stackState();
  const dir = mkdtempSync(join(tmpdir(), 'promnote-run-'));
  const out = promnote(['--grafana', state.grafana_url, 'run', 'reports/jupyterhub-usage.md', '--out', dir], { token: state.token });
  expect(out.code, out.stderr).toBe(0);
  const files = readdirSync(dir).sort();
  expect(files).toContain('report.csv');
  expect(files.filter((f) => f.startsWith('cell-')).length).toBeGreaterThanOrEqual(5);
  for (const f of files) expect(statSync(join(dir, f)).size, f).toBeGreaterThan(40);
});

test('snapshots hold no credential: the token and its Authorization header are in no file', () => {
  const state = stackState();
  const dir = mkdtempSync(join(tmpdir(), 'promnote-snap-'));
  const out = promnote(['--grafana', state.grafana_url, 'snapshot', 'reports/hub-activity.md', 'reports/jupyterhub-usage.md', 'reports/service-metrics.md', '--out', dir], { token: state.token });
  expect(out.code, out.stderr).toBe(0);
  const files = readdirSync(dir).sort();
  expect(files).toEqual(['hub-activity.csv', 'hub-activity.json', 'index.json', 'jupyterhub-usage.csv', 'jupyterhub-usage.json', 'service-metrics.csv', 'service-metrics.json']);
  for (const f of files) {
    const text = readFileSync(join(dir, f), 'utf8');
    expect(text, f).not.toContain(state.token);
    expect(text, f).not.toContain(`Bearer ${state.token}`);
    expect(text, f).not.toContain('Authorization');
  }
  const snapshot = JSON.parse(readFileSync(join(dir, 'hub-activity.json'), 'utf8'));
  expect(snapshot.servers).toEqual([`127.0.0.1:${GRAFANA_PORT}`]);
  // Grafana's datasource settings are not published: uid, name and type only.
  const listing = JSON.parse(snapshot.recording.answers['GET api/datasources'].body);
  for (const ds of listing) expect(Object.keys(ds).sort()).toEqual(['isDefault', 'name', 'type', 'uid']);
});

test('a snapshot publishes what the report shows: a source name, only the datasources reports ask, no direct address; --dry-run writes nothing', async () => {
  const state = stackState();
  const dir = mkdtempSync(join(tmpdir(), 'promnote-snap-'));
  const args = ['--grafana', state.grafana_url, 'snapshot', 'reports/hub-activity.md', '--out', join(dir, 'site'), '--source-name', 'Our Grafana'];
  const dry = promnote([...args, '--dry-run'], { token: state.token });
  expect(dry.code, dry.stderr).toBe(0);
  expect(readdirSync(dir)).toEqual([]);
  expect(dry.stdout).toContain(`would write ${join(dir, 'site', 'hub-activity.json')}`);
  expect(dry.stdout).toContain('"Hub activity", from Our Grafana, taken ');
  expect(dry.stdout).toContain('datasources listed: cluster-north, cluster-south, cluster-west');
  expect(dry.stdout).toContain('variables: $hub = $__all');
  expect(dry.stdout).toContain(`would write ${join(dir, 'site', 'index.json')} (1 snapshots listed)`);

  const out = promnote(args, { token: state.token });
  expect(out.code, out.stderr).toBe(0);
  const snapshot = JSON.parse(readFileSync(join(dir, 'site', 'hub-activity.json'), 'utf8'));
  expect(snapshot.servers).toEqual(['Our Grafana']);
  // The Logs datasource no report asks is not published.
  const listing = JSON.parse(snapshot.recording.answers['GET api/datasources'].body);
  expect(listing.map((ds) => ds.name).sort()).toEqual(['cluster-north', 'cluster-south', 'cluster-west']);

  // A Prometheus called directly is named "Prometheus", never by its address.
  const north = state.prometheus.find((p) => p.uid === 'prom-north');
  const direct = promnote(['--prometheus', `http://127.0.0.1:${north.port}/`, 'snapshot', 'reports/hub-activity.md', '--out', join(dir, 'direct')]);
  expect(direct.code, direct.stderr).toBe(0);
  expect(JSON.parse(readFileSync(join(dir, 'direct', 'hub-activity.json'), 'utf8')).servers).toEqual(['Prometheus']);
});

test('a snapshot publishes variable values after the regex and failures without the server\'s text', () => {
  const state = stackState();
  const dir = mkdtempSync(join(tmpdir(), 'promnote-snap-'));
  const report = join(dir, 'two-hubs.md');
  writeFileSync(report, [
    '---', 'format: 1', 'title: Two hubs', 'time:', '  from: now-7d', '  to: now', 'variables:',
    '  - name: hub', '    query: label_values(jupyterhub_active_users{period="24h"}, namespace)', '    regex: /^(prod|staging)$/',
    '    multi: true', '    all: listed', '    default: All', '---', '',
    '```promql title="Users" step=1d', 'max(jupyterhub_active_users{period="24h", namespace=~"$hub"}) by (namespace)', '```', '',
    '```promql title="Broken"', 'sum(rate(jupyterhub_active_users[5m]) by (namespace)', '```', '',
  ].join('\n'));
  const out = promnote(['--grafana', state.grafana_url, 'snapshot', report, '--out', join(dir, 'site')], { token: state.token });
  // The broken query is a failure the snapshot records: partial.
  expect(out.code, out.stderr).toBe(1);
  const text = readFileSync(join(dir, 'site', 'two-hubs.json'), 'utf8');
  const snapshot = JSON.parse(text);
  const values = Object.entries(snapshot.recording.answers).filter(([key]) => key.includes('/label/namespace/values'));
  expect(values.length).toBe(3);
  for (const [key, answer] of values) {
    const listed = JSON.parse(answer.body).data;
    expect(listed.every((hub) => hub === 'prod' || hub === 'staging'), `${key}: ${listed}`).toBe(true);
  }
  // Hubs the regex leaves out are nowhere in the file; those it keeps are drawn.
  for (const hub of ['climate-lab', 'workshop', 'ocean-hub', 'data-camp']) expect(text).not.toContain(hub);
  expect(text).toContain('staging');
  // Prometheus' parse error is published by its kind, not its text.
  expect(snapshot.failed.join('\n')).toContain('refused the query (bad_data)');
  expect(text).not.toContain('parse error');
});

test('a private snapshot seals every file: nothing readable is left, names included; its passphrase opens it, another does not', () => {
  const state = stackState();
  const dir = join(mkdtempSync(join(tmpdir(), 'promnote-sealed-')), 'snapshots');
  const passphrase = 'tidy lemon orbit 42 canvas';
  const snap = (args, pass = passphrase) => promnote(['--grafana', state.grafana_url, 'snapshot', ...args, '--out', dir, '--encrypt'], { token: state.token, env: { PROMNOTE_PASSPHRASE: pass } });
  const out = snap(['reports/hub-activity.md', 'reports/service-metrics.md']);
  expect(out.code, out.stderr).toBe(0);
  const each = snap(['reports/hub-activity.md', '--each', 'hub']);
  expect(each.code, each.stderr).toBe(0);
  const names = readdirSync(dir).sort();
  // 2 reports and 9 hubs, each a snapshot and its report CSV; the index; seal.json.
  expect(names.length).toBe(2 * 11 + 2);
  for (const name of names.filter((n) => n !== 'seal.json' && n !== 'index.json')) expect(name).toMatch(/^[0-9a-f]{24}\.(json|csv)$/);
  const readable = ['Hub activity', 'Service metrics', 'cluster-north', 'staging', 'climate-lab', 'ocean-hub', 'jupyterhub', 'namespace', '127.0.0.1', state.token];
  for (const name of names) {
    const bytes = readFileSync(join(dir, name)).toString('latin1');
    for (const word of readable) expect(bytes.includes(word), `${name} holds ${word}`).toBe(false);
    if (name !== 'seal.json') expect(bytes.startsWith('PNSEAL01'), name).toBe(true);
  }
  const seal = JSON.parse(readFileSync(join(dir, 'seal.json'), 'utf8'));
  expect(Object.keys(seal).sort()).toEqual(['check', 'cipher', 'format', 'iterations', 'kdf', 'salt']);
  expect(seal).toMatchObject({ cipher: 'AES-256-GCM', kdf: 'PBKDF2-SHA-256', iterations: 600000 });

  // The passphrase opens the index; the sealed names are listed there.
  const index = promnote(['site-index', dir, '--encrypt'], { env: { PROMNOTE_PASSPHRASE: passphrase } });
  expect(index.code, index.stderr).toBe(0);
  const listed = JSON.parse(index.stdout).snapshots;
  expect(listed.map((e) => e.id)).toContain('hub-activity--staging');
  expect(listed.find((e) => e.id === 'hub-activity').attachments).toEqual([listed.find((e) => e.id === 'hub-activity').file.replace('.json', '.csv')]);
  // Another passphrase, or none, is refused before any server is asked.
  const wrong = snap(['reports/hub-activity.md'], 'not the passphrase at all');
  expect(wrong.code).toBe(2);
  expect(wrong.stderr).toContain(`the passphrase does not open the site sealed in ${dir}`);
  const plain = promnote(['--grafana', state.grafana_url, 'snapshot', 'reports/hub-activity.md', '--out', dir], { token: state.token });
  expect(plain.code).toBe(2);
  expect(plain.stderr).toContain('is a private (sealed) site: pass --encrypt');
  expect(readdirSync(dir).sort()).toEqual(names);
});

test('--accumulate keeps a removed datasource\'s days, said in the snapshot; --history keeps a dated copy', async () => {
  const state = stackState();
  const dir = join(mkdtempSync(join(tmpdir(), 'promnote-history-')), 'snapshots');
  const take = (url, extra) => promnote(['--grafana', url, 'snapshot', 'reports/hub-activity.md', '--out', dir, '--history', join(dir, 'history'), ...extra], { token: state.token });
  const first = take(state.grafana_url, []);
  expect(first.code, first.stderr).toBe(0);
  const earlier = readFileSync(join(dir, 'hub-activity.json'), 'utf8');
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'));
  const [dated] = index.snapshots[0].history;
  expect(dated.file).toMatch(/^history\/\d{4}-\d{2}-\d{2}\/hub-activity\.json$/);
  expect(readFileSync(join(dir, dated.file), 'utf8')).toBe(earlier);

  // cluster-west is decommissioned: this Grafana no longer lists it.
  const config = JSON.parse(readFileSync(state.grafana_config, 'utf8'));
  config.datasources = config.datasources.filter((d) => d.uid !== 'prom-west');
  const configFile = join(dir, '..', 'grafana-without-west.json');
  writeFileSync(configFile, JSON.stringify(config));
  const grafana = await extraGrafana(3141, [], { config: configFile });
  try {
    const second = take(grafana.url, ['--accumulate']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain('hub-activity: kept from before: cluster-west: ');
  } finally {
    await grafana.stop();
  }
  const snapshot = JSON.parse(readFileSync(join(dir, 'hub-activity.json'), 'utf8'));
  expect(snapshot.carried.map((c) => c.datasource)).toEqual(['cluster-west']);
  expect(snapshot.carried[0].taken_at_ms).toBe(JSON.parse(earlier).taken_at_ms);
  // Replayed, cluster-west's complete days are the earlier snapshot's, value for value.
  const westRows = (file) => rows(promnote(['--replay', file, 'run', 'reports/hub-activity.md']).stdout)
    .filter((r) => r.datasource === 'cluster-west')
    .map((r) => JSON.stringify(r));
  const before = westRows(join(dir, dated.file));
  const after = westRows(join(dir, 'hub-activity.json'));
  expect(after.length).toBeGreaterThan(20);
  expect(after.every((r) => before.includes(r))).toBe(true);
  // One copy per day: the same day's is replaced, not repeated (two when the runs fell on
  // either side of midnight UTC).
  const days = new Set([JSON.parse(earlier).taken_at_ms, snapshot.taken_at_ms].map((ms) => new Date(ms).toISOString().slice(0, 10)));
  expect(JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')).snapshots[0].history.length).toBe(days.size);
});

test('a snapshot replays the turns the run took: a datasource whose proxy Grafana refuses is read through /api/ds/query, live and from the snapshot', async () => {
  const state = stackState();
  const dir = mkdtempSync(join(tmpdir(), 'promnote-turns-'));
  const grafana = await extraGrafana(3143, ['--deny-proxy-uid', 'prom-west']);
  let live;
  try {
    live = promnote(['--grafana', grafana.url, 'run', 'reports/hub-activity.md'], { token: state.token });
    expect(live.code, live.stderr).toBe(0);
    const out = promnote(['--grafana', grafana.url, 'snapshot', 'reports/hub-activity.md', '--out', dir, '-q'], { token: state.token });
    expect(out.code, out.stderr).toBe(0);
  } finally {
    await grafana.stop();
  }
  const replayed = promnote(['--replay', join(dir, 'hub-activity.json'), 'run', 'reports/hub-activity.md']);
  expect(replayed.code, replayed.stderr).toBe(0);
  // Whole days (today's partial bar is read at each run's own "now").
  const west = (csv) => rows(csv).filter((r) => r.datasource === 'cluster-west' && r.time.endsWith('T00:00:00+00:00'));
  expect(west(live.stdout).length).toBeGreaterThan(20);
  expect(west(replayed.stdout)).toEqual(west(live.stdout));
  // The refusal the run turned on is kept in Grafana's words; nothing else of its text.
  const answers = JSON.parse(readFileSync(join(dir, 'hub-activity.json'), 'utf8')).recording.answers;
  const refused = Object.entries(answers).filter(([key]) => key.includes('/uid/prom-west/'));
  expect(refused.length).toBeGreaterThan(0);
  expect(refused.every(([, a]) => a.status === 403)).toBe(true);
});

test('a snapshot that would hold a credential is refused, never edited: a password that is a word of the data', () => {
  const state = stackState();
  const north = state.prometheus.find((p) => p.uid === 'prom-north');
  const direct = `http://127.0.0.1:${north.port}/`;
  const snap = (password) => {
    const dir = mkdtempSync(join(tmpdir(), 'promnote-snap-'));
    const env = { PROMETHEUS_USER: 'reader', PROMETHEUS_PASSWORD: password };
    return { dir, out: promnote(['--prometheus', direct, 'snapshot', 'reports/hub-activity.md', '--out', dir], { env }) };
  };
  // "prometheus" is every datasource's type: the file would give the password away.
  const refused = snap('prometheus');
  expect(refused.out.code, refused.out.stderr).toBe(2);
  expect(refused.out.stderr).toContain(`the snapshot of hub-activity would hold the text of the password of reader for 127.0.0.1:${north.port}`);
  expect(refused.out.stderr).not.toContain('[password]');
  expect(readdirSync(refused.dir)).toEqual([]);
  // A real password: written whole, the type untouched, the password nowhere.
  const written = snap('Zq8-rT4p-long-and-random');
  expect(written.out.code, written.out.stderr).toBe(0);
  const text = readFileSync(join(written.dir, 'hub-activity.json'), 'utf8');
  expect(text).not.toContain('Zq8-rT4p-long-and-random');
  expect(text).not.toContain('[password]');
  expect(JSON.parse(JSON.parse(text).recording.answers['GET api/datasources'].body)[0].type).toBe('prometheus');
});

test('a snapshot of a report that does not parse names the line; the others are still written', () => {
  const state = stackState();
  const dir = mkdtempSync(join(tmpdir(), 'promnote-snap-'));
  const out = promnote(['--grafana', state.grafana_url, 'snapshot', 'e2e/fixtures/broken.md', 'reports/hub-activity.md', '--out', dir], { token: state.token });
  expect(out.code).toBe(2);
  expect(out.stderr).toContain('e2e/fixtures/broken.md: line');
  expect(readdirSync(dir).sort()).toEqual(['hub-activity.csv', 'hub-activity.json', 'index.json']);
});

for (const id of BUILT_IN_REPORTS) {
  test(`the page's CSV buttons and promnote run give the same bytes for the same answers (${id})`, async ({ page }) => {
    const report = new ReportPage(page);
    await report.open(`http://127.0.0.1:${GRAFANA_PORT}/#/${id}`);
    await report.demoButton.click();
    await expect(page.getByTestId('report')).toHaveAttribute('data-report', id);
    await allCellsSettled(page);
    const download = async (button) => {
      const [file] = await Promise.all([page.waitForEvent('download'), button.click()]);
      return readFileSync(await file.path(), 'utf8');
    };
    const cli = (...args) => {
      const out = promnote(['--replay', 'demo-data/reports.json', 'run', `reports/${id}.md`, ...args]);
      expect(out.code, out.stderr).toBe(0);
      return out.stdout;
    };
    expect(cli()).toBe(await download(page.getByTestId('download-report-csv')));
    // Every cell's CSV of what it shows (a table's totals, a histogram's bins); the first
    // one's tidy CSV too. (Chromium stops delivering a page's downloads after about ten.)
    const cells = page.getByTestId('cell');
    let compared = 0;
    for (let i = 0; i < (await cells.count()); i += 1) {
      const cell = cells.nth(i);
      if (!(await cell.getByTestId('download-csv').count())) continue;
      expect(cli('--cell', String(i + 1), '--format', 'csv-wide'), `cell ${i + 1}`).toBe(await download(cell.getByTestId('download-csv')));
      if (compared === 0) expect(cli('--cell', String(i + 1), '--format', 'csv'), `cell ${i + 1}`).toBe(await download(cell.getByTestId('download-tidy-csv')));
      compared += 1;
    }
    expect(compared).toBeGreaterThan(0);
  });
}
