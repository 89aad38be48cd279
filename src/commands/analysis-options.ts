// The analysis flags `read` and `capture` share (detection, secrets, passwords, memory and time
// bounds), and the AnalysisOptions they make.

import { type Command, InvalidArgumentError, Option } from 'commander';
import { PAYLOAD_MODES, type PayloadMode } from '../report/ndjson.js';
import type { AnalysisOptions } from '../pipeline.js';

export interface AnalysisFlags {
  detect?: boolean;
  showSecrets?: boolean;
  password: string[];
  maxConnections?: number;
  maxBuffer?: number;
  maxBufferTotal?: number;
  idleTimeout?: number;
  holeTimeout?: number;
  payload: PayloadMode;
}

/** Parser of a positive number flag: a bad value is a usage error naming the flag (exit 2). */
function positive(flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`invalid ${flag} "${value}" (expected a positive number)`);
    return n;
  };
}

/** `--port` of both commands: a comma-separated list of TCP ports (a bad one is a usage error, exit 2). */
export function parsePortList(value: string): number[] {
  return value.split(',').map((raw) => {
    const p = raw.trim();
    const n = Number(p);
    if (!/^\d+$/.test(p) || n < 1 || n > 65535) throw new InvalidArgumentError(`"${p}" is not a TCP port (expected e.g. 1863,1864)`);
    return n;
  });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function addAnalysisFlags(cmd: Command): Command {
  return cmd
    .option('--detect', 'also recognise MSNP and HTTP-gateway connections by content on any TCP port (the default)')
    .option('--no-detect', 'only decode the --port ports and announced switchboards')
    .option('--show-secrets', 'show tickets, cookies and login responses as sent (redacted by default)')
    .option('--password <password>', 'a password to verify MD5 logins (MSNP2-7) against; repeatable', collect, [])
    .option('--max-connections <n>', 'TCP connections tracked at once; the least recently active is closed beyond it (default 65536)', positive('--max-connections'))
    .option('--max-buffer <KiB>', 'out-of-order bytes held per connection direction before a hole is skipped (default 4096 KiB)', positive('--max-buffer'))
    .option('--max-buffer-total <MiB>', 'out-of-order bytes held over all connections before the longest-waiting holes are skipped (default 32 MiB)', positive('--max-buffer-total'))
    .option('--idle-timeout <s>', 'capture-time seconds after which a silent connection is closed (default 900)', positive('--idle-timeout'))
    .option('--hole-timeout <s>', 'capture-time seconds a hole in a stream may wait for its bytes (default 10)', positive('--hole-timeout'))
    .addOption(
      new Option('--payload <when>', 'NDJSON: raw bodies always, or only where the decoded message does not hold them already (auto)')
        .choices(PAYLOAD_MODES)
        .default('auto'),
    );
}

export function analysisOptions(ports: readonly number[], flags: AnalysisFlags): AnalysisOptions {
  const opts: AnalysisOptions = { ports, detect: flags.detect ?? true, showSecrets: flags.showSecrets ?? false, passwords: flags.password };
  if (flags.maxConnections !== undefined) opts.maxConnections = Math.round(flags.maxConnections);
  if (flags.maxBuffer !== undefined) opts.maxBufferedBytesPerDirection = Math.round(flags.maxBuffer * 1024);
  if (flags.maxBufferTotal !== undefined) opts.maxBufferedBytesTotal = Math.round(flags.maxBufferTotal * 1024 * 1024);
  if (flags.idleTimeout !== undefined) opts.idleTimeoutMicros = Math.round(flags.idleTimeout * 1e6);
  if (flags.holeTimeout !== undefined) opts.holeTimeoutMicros = Math.round(flags.holeTimeout * 1e6);
  return opts;
}
