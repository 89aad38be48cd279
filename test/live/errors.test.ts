// Capture start-up failures are one line on stderr and exit 2: unknown interface, bad filter,
// no privilege, cap missing. Also `interfaces`, and `read` still working where cap is absent.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeCapture } from '../../src/capture/writer.js';
import { builtCli, copyWithoutCap, liveCaptureUnavailable, runCli, type BuiltCli } from './cli-process.js';

const unavailable = liveCaptureUnavailable();
const NOBODY = 65534;

function oneLine(stderr: string): string {
  expect(stderr.endsWith('\n')).toBe(true);
  expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  return stderr.trimEnd();
}

describe('capture start-up errors', () => {
  let built: BuiltCli;
  let noCap: BuiltCli;

  beforeAll(() => {
    built = builtCli();
    noCap = copyWithoutCap();
  }, 120_000);

  afterAll(() => {
    built?.remove();
    noCap?.remove();
  });

  it('without cap: capture and interfaces explain how to get it; read still works', async () => {
    for (const args of [['capture', 'lo'], ['interfaces']]) {
      const r = await runCli(noCap.cli, args);
      expect(r.code).toBe(2);
      expect(oneLine(r.stderr)).toMatch(/^msnsniff: live capture needs the optional package "cap", which is not installed: run apt-get install -y libpcap-dev && npm rebuild cap/);
    }
    // An empty Ethernet capture: `read` must not touch cap at all.
    const file = join(noCap.dir, 'empty.pcapng');
    writeFileSync(file, writeCapture({ format: 'pcapng', linkType: 1 }, []));
    const r = await runCli(noCap.cli, ['read', '--format', 'ndjson', file]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('"type":"summary"');
  });

  it('rejects bad flag values before opening anything', async () => {
    for (const [args, msg] of [
      [['-c', '0'], /option '-c, --count <n>' argument '0' is invalid/],
      [['-a', 'minutes:3'], /expected duration:<seconds> or packets:<n>/],
      [['--port', '1863,99999'], /"99999" is not a TCP port/],
      [['--buffer-size', '4096'], /expected MiB between 1 and 2047/],
      [['-w', '-'], /writing the capture to standard output is not supported/],
      [['-F', 'erf'], /Allowed choices are pcapng, pcap/],
    ] as const) {
      const r = await runCli(built.cli, ['capture', 'lo', ...args]);
      expect(r.code).toBe(2);
      expect(oneLine(r.stderr)).toMatch(msg);
    }
  });

  it('an unwritable -w path fails before capturing', async () => {
    const r = await runCli(built.cli, ['capture', 'lo', '-w', '/nonexistent-dir/x.pcapng']);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/^msnsniff: cannot write capture file "\/nonexistent-dir\/x.pcapng": ENOENT/);
  });

  describe.skipIf(unavailable !== null)(`with cap${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
    it('no such interface: lists the valid ones', async () => {
      const r = await runCli(built.cli, ['capture', 'nosuch0']);
      expect(r.code).toBe(2);
      expect(oneLine(r.stderr)).toMatch(/^msnsniff: no such capture interface "nosuch0" \(available: .*\blo\b.*\); see msnsniff interfaces$/);
    });

    it('bad BPF expression: reports libpcap’s message', async () => {
      const r = await runCli(built.cli, ['capture', 'lo', '-f', 'tcp port']);
      expect(r.code).toBe(2);
      expect(oneLine(r.stderr)).toBe('msnsniff: bad capture filter "tcp port": can\'t parse filter expression: syntax error');
      const r2 = await runCli(built.cli, ['capture', 'lo', '-f', 'tcp port 99999']);
      expect(oneLine(r2.stderr)).toMatch(/^msnsniff: bad capture filter "tcp port 99999": illegal port number 99999 > 65535$/);
    });

    it('without privilege: says capture needs root or CAP_NET_RAW', async () => {
      const r = await runCli(built.cli, ['capture', 'lo'], { uid: NOBODY, gid: NOBODY });
      expect(r.code).toBe(2);
      expect(oneLine(r.stderr)).toMatch(/^msnsniff: cannot capture on "lo" \(.*Operation not permitted.*\): live capture needs root or the CAP_NET_RAW capability$/);
    });

    it('interfaces: lists lo with its addresses', async () => {
      const r = await runCli(built.cli, ['interfaces']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^lo +127\.0\.0\.1\/8, ::1\/128 +\(loopback\)$/m);
      const json = await runCli(built.cli, ['interfaces', '--json']);
      const devices = JSON.parse(json.stdout) as { name: string; addresses: { addr?: string }[] }[];
      expect(devices.find((d) => d.name === 'lo')?.addresses.map((a) => a.addr)).toContain('127.0.0.1');
    });
  });
});
