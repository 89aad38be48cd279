#!/usr/bin/env node
// Command-line entry: commander turns flags into options, picks the source and the reporter.
// Exit codes: 0 done; 1 --strict and error-severity diagnostics; 2 bad usage or I/O error; 3 internal error.

import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { readCapture } from './capture/source.js';
import { registerCaptureCommands } from './commands/capture.js';
import { type AnalysisOptions, analyze } from './pipeline.js';
import { makeReporter, OUTPUT_FORMATS, type OutputFormat } from './report/formats.js';
import { TextOutput } from './report/output.js';

export const EXIT_OK = 0;
export const EXIT_STRICT = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERNAL = 3;

/** An error the user must see as one line (bad flag value, unreadable file, not a capture). */
export class UsageError extends Error {}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function parsePorts(value: string): number[] {
  const ports = value.split(',').map((p) => p.trim());
  return ports.map((p) => {
    const n = Number(p);
    if (!/^\d+$/.test(p) || n < 1 || n > 65535) throw new UsageError(`invalid port "${p}" in --port (expected e.g. 1863,1864)`);
    return n;
  });
}

interface ReadOptions {
  format: OutputFormat;
  port: string;
  strict?: boolean;
  detect?: boolean;
  showSecrets?: boolean;
  password: string[];
  maxConnections?: string;
  maxBuffer?: string;
  idleTimeout?: string;
  holeTimeout?: string;
}

/** A positive number from a flag, or a one-line usage error naming the flag. */
function positive(value: string | undefined, flag: string, scale: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`invalid ${flag} "${value}" (expected a positive number)`);
  return Math.round(n * scale);
}

/** The memory and time bounds of the analysis, from their flags (unset: the stages' defaults). */
function limitsOf(opts: ReadOptions): Partial<AnalysisOptions> {
  const limits: Partial<AnalysisOptions> = {};
  const maxConnections = positive(opts.maxConnections, '--max-connections', 1);
  const maxBuffer = positive(opts.maxBuffer, '--max-buffer', 1024);
  const idle = positive(opts.idleTimeout, '--idle-timeout', 1e6);
  const hole = positive(opts.holeTimeout, '--hole-timeout', 1e6);
  if (maxConnections !== undefined) limits.maxConnections = maxConnections;
  if (maxBuffer !== undefined) limits.maxBufferedBytesPerDirection = maxBuffer;
  if (idle !== undefined) limits.idleTimeoutMicros = idle;
  if (hole !== undefined) limits.holeTimeoutMicros = hole;
  return limits;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

async function runRead(input: string, opts: ReadOptions): Promise<number> {
  const ports = parsePorts(opts.port);
  const output = new TextOutput(process.stdout);
  const reporter = makeReporter(opts.format, output);
  const analysis: AnalysisOptions = { ports, detect: opts.detect ?? true, showSecrets: opts.showSecrets ?? false, passwords: opts.password, ...limitsOf(opts) };
  const summary = await analyze((diag) => readCapture(input, diag), reporter, analysis, output);
  await output.end();
  return opts.strict && summary.diagnosticsBySeverity.error > 0 ? EXIT_STRICT : EXIT_OK;
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('msnsniff')
    .description('Protocol analyzer and traffic dissector for the MSN Messenger protocol (MSNP2–MSNP21).')
    .version(version(), '-V, --version')
    .showHelpAfterError(false)
    .configureOutput({ outputError: () => {} })
    // Set before the subcommands are added so they inherit it: usage errors reach main() as exceptions.
    .exitOverride();

  program
    .command('read')
    .description('decode MSNP from a capture file (pcap, nanosecond pcap, pcapng) or "-" for stdin')
    .argument('<file>', 'capture file, or - to read a capture stream from stdin')
    .addOption(new Option('--format <format>', 'output format').choices(OUTPUT_FORMATS).default('transcript'))
    .option('--port <list>', 'comma-separated TCP ports that carry MSNP', '1863')
    .option('--detect', 'also recognise MSNP and HTTP-gateway connections by content on any TCP port (the default)')
    .option('--no-detect', 'only decode the --port ports and announced switchboards')
    .option('--show-secrets', 'show tickets, cookies and login responses as sent (redacted by default)')
    .option('--password <password>', 'a password to verify MD5 logins (MSNP2-7) against; repeatable', collect, [])
    .option('--strict', 'exit 1 when any error-severity diagnostic was reported')
    .option('--max-connections <n>', 'TCP connections tracked at once; the least recently active is closed beyond it (default 65536)')
    .option('--max-buffer <KiB>', 'out-of-order bytes held per connection direction before a hole is skipped (default 4096 KiB)')
    .option('--idle-timeout <s>', 'capture-time seconds after which a silent connection is closed (default 900)')
    .option('--hole-timeout <s>', 'capture-time seconds a hole in a stream may wait for its bytes (default 10)')
    .addHelpText(
      'after',
      `
Examples:
  msnsniff read trace.pcap
  msnsniff read --format ndjson trace.pcapng > events.ndjson
  msnsniff read --format stats trace.pcap
  msnsniff read --port 1863,1864 escargot.pcap
  tcpdump -i eth0 -U -w - 'tcp port 1863' | msnsniff read -

Exit codes: 0 done, 1 --strict and error diagnostics, 2 bad usage or unreadable input, 3 internal error.`,
    )
    .action(async (file: string, opts: ReadOptions) => {
      process.exitCode = await runRead(file, opts);
    });
  registerCaptureCommands(program);
  return program;
}

/** Node's file errors carry a code; turn the common ones into words. */
function describeError(err: unknown): string | null {
  if (err instanceof UsageError) return err.message;
  const e = err as NodeJS.ErrnoException;
  if (e && typeof e === 'object' && typeof e.message === 'string' && (e.name === 'CaptureFormatError' || e.code !== undefined || e.name === 'CaptureOpenError')) {
    return e.message;
  }
  return null;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through here with exit code 0.
      if (err.exitCode === 0) return EXIT_OK;
      process.stderr.write(`msnsniff: ${err.message.replace(/^error: /, '')}\n`);
      return EXIT_USAGE;
    }
    const text = describeError(err);
    if (text !== null) {
      process.stderr.write(`msnsniff: ${text}\n`);
      return EXIT_USAGE;
    }
    process.stderr.write(`msnsniff: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return EXIT_INTERNAL;
  }
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`msnsniff: internal error: ${String(err)}\n`);
    process.exitCode = EXIT_INTERNAL;
  },
);
