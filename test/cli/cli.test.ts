// The CLI as a user meets it: exit codes, one-line errors, stdin input, help and version.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Conversation, buildCapture } from '../support/capture-builder.js';
import { projectRoot, runCli } from '../support/cli.js';

const quickstart = join(projectRoot, 'fixtures/quickstart.pcapng');
const scratch = mkdtempSync(join(tmpdir(), 'msnsniff-cli-'));

function expectOneLineError(stderr: string, pattern: RegExp): void {
  const lines = stderr.split('\n').filter((l) => l.length > 0);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^msnsniff: /);
  expect(lines[0]).toMatch(pattern);
}

describe('msnsniff read', () => {
  it('decodes the bundled capture and exits 0', async () => {
    const r = await runCli(['read', quickstart]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/→ .*VER 1 MSNP8/);
    expect(r.stdout).toMatch(/── summary ──/);
  });

  it('reads the same capture from stdin with "-"', async () => {
    const fromFile = await runCli(['read', '--format', 'ndjson', quickstart]);
    const fromStdin = await runCli(['read', '--format', 'ndjson', '-'], { stdin: readFileSync(quickstart) });
    expect(fromStdin.code).toBe(0);
    expect(fromStdin.stdout).toBe(fromFile.stdout);
  });

  it('emits NDJSON where every line is an object with a type', async () => {
    const r = await runCli(['read', '--format', 'ndjson', quickstart]);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string });
    expect(events.some((e) => e.type === 'command')).toBe(true);
    expect(events[events.length - 1]?.type).toBe('summary');
  });

  it('a missing file is one line on stderr and exit 2', async () => {
    const r = await runCli(['read', join(scratch, 'nope.pcap')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expectOneLineError(r.stderr, /nope\.pcap/);
  });

  it('a directory is one line on stderr and exit 2', async () => {
    const r = await runCli(['read', scratch]);
    expect(r.code).toBe(2);
    expectOneLineError(r.stderr, /cannot|directory/i);
  });

  it('a file that is not a capture is one line on stderr and exit 2', async () => {
    const f = join(scratch, 'notes.txt');
    writeFileSync(f, 'HTTP/1.1 200 OK\r\n\r\nhello');
    const r = await runCli(['read', f]);
    expect(r.code).toBe(2);
    expectOneLineError(r.stderr, /not a pcap or pcapng/);
  });

  it('an empty file is one line on stderr and exit 2', async () => {
    const f = join(scratch, 'empty.pcap');
    writeFileSync(f, '');
    const r = await runCli(['read', f]);
    expect(r.code).toBe(2);
    expectOneLineError(r.stderr, /empty/);
  });

  it('an unknown format is one line on stderr and exit 2', async () => {
    const r = await runCli(['read', '--format', 'xml', quickstart]);
    expect(r.code).toBe(2);
    expectOneLineError(r.stderr, /xml/);
  });

  it('a bad port list is one line on stderr and exit 2', async () => {
    const r = await runCli(['read', '--port', '1863,99999', quickstart]);
    expect(r.code).toBe(2);
    expectOneLineError(r.stderr, /99999/);
  });

  it('a missing argument and an unknown command are usage errors (exit 2)', async () => {
    const a = await runCli(['read']);
    expect(a.code).toBe(2);
    expectOneLineError(a.stderr, /argument/);
    const b = await runCli(['frobnicate']);
    expect(b.code).toBe(2);
    expect(b.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  });
});

describe('options that change the analysis', () => {
  const corpus = join(projectRoot, '../shared/corpus/escargot-loopback');
  const edgeCases = join(corpus, 'escargot2017-server_scripted-client_edge-cases_bad-length+mid-payload-close.pcap');
  const md5 = join(corpus, 'escargot2017-server_scripted-client_msnp5+msnp2-md5_ns+sb.pcap');
  const twn = join(corpus, 'escargot2017-server_scripted-client_msnp8-twn_ns+sb+p2p-ft.pcap');

  it('--strict exits 1 when an error-severity diagnostic was reported, 0 without it', async () => {
    const plain = await runCli(['read', '--format', 'stats', edgeCases]);
    expect(plain.code).toBe(0);
    const strict = await runCli(['read', '--format', 'stats', '--strict', edgeCases]);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toMatch(/msnp\.bad_length/);
  });

  it('redacts tickets and cookies by default and shows them with --show-secrets', async () => {
    const redacted = await runCli(['read', '--format', 'ndjson', twn]);
    const shown = await runCli(['read', '--format', 'ndjson', '--show-secrets', twn]);
    const cookieLine = (text: string) => text.split('\n').find((l) => l.includes('"verb":"XFR"') && l.includes('"CKI"')) ?? '';
    expect(cookieLine(redacted.stdout)).toMatch(/«redacted 20 chars»/);
    expect(cookieLine(shown.stdout)).not.toMatch(/redacted/);
    expect(cookieLine(shown.stdout)).toMatch(/"CKI","[0-9a-f]{20}"/);
  });

  it('--password verifies MD5 logins: the right password matches, a wrong login does not', async () => {
    const r = await runCli(['read', '--password', 'alicepass', '--password', 'bobpass', md5]);
    expect(r.code).toBe(0);
    const verdicts = r.stdout.split('\n').filter((l) => l.includes('MD5 login response'));
    // Alice logs in once, bob fails once (wrong password → 911) and then succeeds.
    expect(verdicts.filter((l) => l.includes('✓'))).toHaveLength(2);
    expect(verdicts.filter((l) => l.includes('✗'))).toHaveLength(1);
  });

  it('memory bounds are flags: --max-connections 1 evicts and says so; a bad value is a usage error', async () => {
    const r = await runCli(['read', '--format', 'stats', '--max-connections', '1', twn]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/tcp\.connection_limit/);
    const bad = await runCli(['read', '--max-buffer', 'lots', twn]);
    expect(bad.code).toBe(2);
    expectOneLineError(bad.stderr, /--max-buffer/);
  });

  it('--max-buffer-total bounds the out-of-order bytes of all connections together', async () => {
    const lossy = (i: number) =>
      new Conversation({ client: `10.0.0.${i}:4000`, server: '10.0.0.1:1863', startMicros: i * 10 }).handshake().client('PNG\r\n').lose('c2s', 5).client(`MSG 2 U 700\r\n${'x'.repeat(700)}`);
    const file = join(scratch, 'lossy.pcap');
    writeFileSync(file, buildCapture([...lossy(2).segments, ...lossy(3).segments]));
    const tight = await runCli(['read', '--format', 'ndjson', '--max-buffer-total', '0.001', file]);
    expect(tight.code).toBe(0);
    expect(tight.stdout).toMatch(/"code":"tcp.total_buffer_limit".*"conn":1/);
    const roomy = await runCli(['read', '--format', 'ndjson', file]);
    expect(roomy.stdout).not.toMatch(/total_buffer_limit/);
  });

  it('--format stats prints the tables', async () => {
    const r = await runCli(['read', '--format', 'stats', twn]);
    expect(r.stdout).toMatch(/MSNP connections/);
    expect(r.stdout).toMatch(/│ MSG +│ 18 +│ 18 +│ 36 /);
  });
});

describe('output errors', () => {
  it('a full disk on stdout is one line on stderr and exit 2; a closed pipe ends quietly', async () => {
    const { spawnSync } = await import('node:child_process');
    const { openSync, closeSync } = await import('node:fs');
    const full = openSync('/dev/full', 'w');
    const r = spawnSync(process.execPath, [join(projectRoot, 'dist/cli.js'), 'read', quickstart], { stdio: ['ignore', full, 'pipe'] });
    closeSync(full);
    expect(r.status).toBe(2);
    expectOneLineError(r.stderr.toString(), /ENOSPC|no space/);
    const piped = spawnSync('sh', ['-c', `node ${join(projectRoot, 'dist/cli.js')} read ${quickstart} | head -1`], { encoding: 'utf8' });
    expect(piped.status).toBe(0);
    expect(piped.stderr).toBe('');
  });
});

describe('help and version', () => {
  it('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string };
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it('read --help shows examples', async () => {
    const r = await runCli(['read', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Examples:/);
    expect(r.stdout).toMatch(/msnsniff read -/);
  });
});
