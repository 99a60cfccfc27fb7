// promnote send, as a publishing job runs it: snapshots of the real stack, then the
// summary mailed to a real SMTP server (Debian's aiosmtpd, with AUTH) and posted to a
// webhook receiver (dev/mail_sink.py). The mail carries each report's headline sentences
// with the values its snapshot answers, its PDF and CSV byte for byte, and no token; a
// private site's mail carries no data unless --attach-private.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { test, expect } from '@playwright/test';
import { stackState } from './support.mjs';

const PROMNOTE = process.env.PROMNOTE_BIN ?? 'target/debug/promnote';
const USER = 'mailer';
const PASSWORD = 'smtp-pw-7f3k-2q';

function promnote(args, env = {}) {
  const result = spawnSync(PROMNOTE, args, { encoding: 'utf8', timeout: 120_000, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } });
  if (result.error) throw result.error;
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

let sink;
let sinkDir;
let ports;
test.beforeAll(async () => {
  sinkDir = mkdtempSync(join(tmpdir(), 'promnote-sink-'));
  sink = spawn('/usr/bin/python3', ['dev/mail_sink.py', '--out', sinkDir, '--user', USER, '--password', PASSWORD], { stdio: 'ignore' });
  await expect.poll(() => existsSync(join(sinkDir, 'ready.json')), { timeout: 20_000 }).toBe(true);
  ports = JSON.parse(readFileSync(join(sinkDir, 'ready.json'), 'utf8'));
});
test.afterAll(() => {
  sink?.kill();
});

/** The records the sink has written whose name starts with `prefix`, oldest first. */
function received(prefix) {
  return readdirSync(sinkDir)
    .filter((n) => n.startsWith(`${prefix}-`) && n.endsWith('.json'))
    .sort((a, b) => Number(a.split(/[-.]/)[1]) - Number(b.split(/[-.]/)[1]))
    .map((n) => JSON.parse(readFileSync(join(sinkDir, n), 'utf8')));
}

/** A published snapshots folder of hub-activity, with a PDF attached. */
function publish(extra = [], env = {}) {
  const state = stackState();
  const dir = join(mkdtempSync(join(tmpdir(), 'promnote-send-')), 'snapshots');
  const out = promnote(['--grafana', state.grafana_url, 'snapshot', 'reports/hub-activity.md', '--out', dir, '-q', ...extra], { GRAFANA_TOKEN: state.token, ...env });
  expect(out.code, out.stderr).toBe(0);
  const pdf = join(dir, '..', 'printed.pdf');
  writeFileSync(pdf, '%PDF-1.4\n% a stand-in for the printed report\n%%EOF\n');
  const attach = promnote(['attach', dir, 'hub-activity', pdf, ...extra.filter((a) => a === '--encrypt')], env);
  expect(attach.code, attach.stderr).toBe(0);
  return { dir, state, pdf };
}

const sha = (bytes) => createHash('sha256').update(bytes).digest('hex');

test('a public site is mailed with its headline values, PDF and CSV, and posted to a webhook; a failed webhook is said and the rest delivered', async () => {
  const { dir, state, pdf } = publish();
  const before = { mail: received('mail').length, hook: received('hook').length };
  const out = promnote([
    'send', join(dir, '..'), '--smtp', `smtp://127.0.0.1:${ports.smtp_port}`, '--from', 'reports@example.org',
    '--to', 'board@example.org', '--to', 'team@example.org', '--link', 'https://example.org/kpi/',
    '--webhook', `http://127.0.0.1:${ports.hook_port}/services/T0/B0/secret-path`,
    '--webhook', `http://127.0.0.1:${ports.hook_port}/fail/other-secret`,
  ], { SMTP_USER: USER, SMTP_PASSWORD: PASSWORD });
  // One webhook refused: partial, and said without the address's secret path.
  expect(out.code, out.stderr).toBe(1);
  expect(out.stderr).toContain('mailed to board@example.org, team@example.org (2 attachments');
  expect(out.stderr).toContain(`the message to http://127.0.0.1:${ports.hook_port}/… was not posted: it answered HTTP 500`);
  expect(out.stderr).not.toContain('secret-path');
  expect(out.stderr).not.toContain('other-secret');

  await expect.poll(() => received('mail').length).toBe(before.mail + 1);
  const mail = received('mail').at(-1);
  expect(mail.authenticated_as).toBe(USER);
  expect(mail.rcpt_tos).toEqual(['board@example.org', 'team@example.org']);
  expect(mail.subject).toContain('Hub activity — ');
  // The headline sentence, with the values the snapshot answers (the command line's own
  // replay of the same snapshot gives them).
  const replayed = JSON.parse(promnote(['--replay', join(dir, 'hub-activity.json'), 'run', 'reports/hub-activity.md', '--format', 'json']).stdout);
  const [people, hubs] = replayed.values.map((v) => v.text);
  expect(Number(people)).toBeGreaterThan(0);
  const sentence = `In the 24 hours up to the end of this report, ${people} people used these hubs (someone on two hubs counts on each), on ${hubs} hubs across every cluster.`;
  expect(mail.text).toContain(sentence);
  expect(mail.text).toContain('Charts: Daily active users per hub');
  expect(mail.text).toContain('https://example.org/kpi/#/hub-activity');
  expect(mail.html).toContain('<a href="https://example.org/kpi/#/hub-activity">Hub activity</a>');
  expect(mail.html).toContain(sentence);
  // The attachments are the published files, byte for byte.
  const byName = Object.fromEntries(mail.attachments.map((a) => [a.filename, a]));
  expect(Object.keys(byName).sort()).toEqual(['Hub activity.csv', 'Hub activity.pdf']);
  expect(byName['Hub activity.csv'].sha256).toBe(sha(readFileSync(join(dir, 'hub-activity.csv'))));
  expect(byName['Hub activity.csv'].content_type).toBe('text/csv');
  expect(byName['Hub activity.pdf'].sha256).toBe(sha(readFileSync(pdf)));
  // No credential in anything delivered: every decoded part of every mail, every post.
  const delivered = readdirSync(sinkDir).flatMap((name) =>
    name.endsWith('.parts') ? readdirSync(join(sinkDir, name)).map((part) => join(sinkDir, name, part)) : [join(sinkDir, name)],
  );
  expect(delivered.filter((p) => p.includes('.parts')).length).toBeGreaterThanOrEqual(4);
  for (const path of delivered) {
    const bytes = readFileSync(path).toString('latin1');
    expect(bytes.includes(state.token), path).toBe(false);
    expect(bytes.includes(PASSWORD), path).toBe(false);
  }

  await expect.poll(() => received('hook').length).toBe(before.hook + 2);
  const hook = received('hook').find((h) => h.path === '/services/T0/B0/secret-path');
  expect(hook.content_type).toBe('application/json');
  expect(JSON.parse(hook.body).text).toContain(sentence);
});

test('a wrong SMTP password, or a server that is not there, is said; nothing is undone', () => {
  const { dir } = publish();
  const wrong = promnote(['send', dir, '--smtp', `smtp://127.0.0.1:${ports.smtp_port}`, '--from', 'r@example.org', '--to', 'a@example.org'], { SMTP_USER: USER, SMTP_PASSWORD: 'not-it' });
  expect(wrong.code).toBe(3);
  expect(wrong.stderr).toContain('refused the sign-in of SMTP_USER: 535');
  expect(wrong.stderr).not.toContain('not-it');
  const nobody = promnote(['send', dir, '--smtp', 'smtp://127.0.0.1:9', '--from', 'r@example.org', '--to', 'a@example.org']);
  expect(nobody.code).toBe(3);
  expect(nobody.stderr).toContain('nothing answered at the SMTP server 127.0.0.1:9 (check the host and port)');
  const json = promnote(['send', dir, '--webhook', `http://127.0.0.1:${ports.hook_port}/json`, '--webhook-format', 'json']);
  expect(json.code, json.stderr).toBe(0);
  expect(readdirSync(dir).sort()).toEqual(['hub-activity.csv', 'hub-activity.json', 'hub-activity.pdf', 'index.json']);
});

test('a private site\'s mail says only that it was published, unless --attach-private opens its files', async () => {
  const passphrase = 'quiet meadow 19 lantern';
  const { dir } = publish(['--encrypt'], { PROMNOTE_PASSPHRASE: passphrase });
  const args = ['send', dir, '--smtp', `smtp://127.0.0.1:${ports.smtp_port}`, '--from', 'r@example.org', '--to', 'a@example.org', '--link', 'https://example.org/private/'];
  const count = received('mail').length;
  const bare = promnote(args, { SMTP_USER: USER, SMTP_PASSWORD: PASSWORD });
  expect(bare.code, bare.stderr).toBe(0);
  await expect.poll(() => received('mail').length).toBe(count + 1);
  const quiet = received('mail').at(-1);
  expect(quiet.attachments).toEqual([]);
  expect(quiet.text).toContain('The private reports were published again on');
  expect(quiet.text).toContain('https://example.org/private/');
  for (const word of ['Hub activity', 'people used', 'staging', 'cluster-']) {
    expect(`${quiet.subject}\n${quiet.text}\n${quiet.html}`).not.toContain(word);
  }
  const opened = promnote([...args, '--attach-private'], { SMTP_USER: USER, SMTP_PASSWORD: PASSWORD, PROMNOTE_PASSPHRASE: passphrase });
  expect(opened.code, opened.stderr).toBe(0);
  await expect.poll(() => received('mail').length).toBe(count + 2);
  const full = received('mail').at(-1);
  expect(full.text).toContain('people used these hubs');
  const csv = full.attachments.find((a) => a.filename === 'Hub activity.csv');
  expect(csv.text.startsWith('PNSEAL01')).toBe(false);
  expect(csv.text).toContain('cluster-north');
  expect(full.attachments.find((a) => a.filename === 'Hub activity.pdf').starts).toBe('%PDF-1.4');
});

/** A CA and a certificate for 127.0.0.1 that it signed, made with openssl. */
function certificates() {
  const dir = mkdtempSync(join(tmpdir(), 'promnote-smtp-tls-'));
  const run = (args) => {
    const result = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
  };
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=promnote test mail CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign']);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1']);
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'ext.cnf']);
  return dir;
}

for (const mode of ['starttls', 'smtps']) {
  test(`${mode}: the mail and the sign-in go inside TLS, to a server whose certificate --cacert trusts; an unknown CA is refused`, async () => {
    const tls = certificates();
    const out = mkdtempSync(join(tmpdir(), `promnote-sink-${mode}-`));
    const args = ['dev/mail_sink.py', '--out', out, '--user', USER, '--password', PASSWORD, '--tls-cert', join(tls, 'server.pem'), '--tls-key', join(tls, 'server.key')];
    const server = spawn('/usr/bin/python3', mode === 'smtps' ? [...args, '--smtps'] : args, { stdio: 'ignore' });
    try {
      await expect.poll(() => existsSync(join(out, 'ready.json')), { timeout: 20_000 }).toBe(true);
      const { smtp_port: port } = JSON.parse(readFileSync(join(out, 'ready.json'), 'utf8'));
      const { dir } = publish();
      const url = `${mode === 'smtps' ? 'smtps' : 'smtp'}://127.0.0.1:${port}`;
      const send = (extra) => promnote([...extra, 'send', dir, '--smtp', url, '--from', 'r@example.org', '--to', 'a@example.org'], { SMTP_USER: USER, SMTP_PASSWORD: PASSWORD });
      const refused = send([]);
      expect(refused.code).toBe(3);
      expect(refused.stderr).toMatch(/certificate|UnknownIssuer/i);
      const sent = send(['--cacert', join(tls, 'ca.pem')]);
      expect(sent.code, sent.stderr).toBe(0);
      await expect.poll(() => readdirSync(out).filter((n) => /^mail-\d+\.json$/.test(n)).length).toBe(1);
      const mail = JSON.parse(readFileSync(join(out, 'mail-1.json'), 'utf8'));
      expect(mail.tls).toBe(true);
      expect(mail.authenticated_as).toBe(USER);
      expect(mail.text).toContain('people used these hubs');
    } finally {
      server.kill();
    }
  });
}
