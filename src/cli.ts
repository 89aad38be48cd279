#!/usr/bin/env node
// Command-line entry: commander turns flags into options, picks the source and the reporter.
// Exit codes: 0 done; 1 --strict and error-severity diagnostics; 2 bad usage or I/O error; 3 internal error.

import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { readCapture } from './capture/source.js';
import { registerCaptureCommands } from './commands/capture.js';
import { type AnalysisFlags, addAnalysisFlags, analysisOptions, parsePortList } from './commands/analysis-options.js';
import { analyze } from './pipeline.js';
import { makeReporter, OUTPUT_FORMATS, type OutputFormat } from './report/formats.js';
import { TextOutput } from './report/output.js';
import { limitHeapGrowth } from './memory.js';
import { EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, analysisExitCode } from './exit-codes.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

interface ReadOptions extends AnalysisFlags {
  format: OutputFormat;
  port: number[];
  strict?: boolean;
}

async function runRead(input: string, opts: ReadOptions): Promise<number> {
  const output = new TextOutput(process.stdout);
  const reporter = makeReporter(opts.format, output, { payload: opts.payload });
  const summary = await analyze((diag) => readCapture(input, diag), reporter, analysisOptions(opts.port, opts), output);
  await output.end();
  return analysisExitCode(summary, opts.strict);
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

  const read = program
    .command('read')
    .description('decode MSNP from a capture file (pcap, nanosecond pcap, pcapng) or "-" for stdin')
    .argument('<file>', 'capture file, or - to read a capture stream from stdin')
    .addOption(new Option('--format <format>', 'output format').choices(OUTPUT_FORMATS).default('transcript'))
    .addOption(new Option('--port <list>', 'comma-separated TCP ports that carry MSNP').argParser(parsePortList).default([1863], '1863'))
    .option('--strict', 'exit 1 when any error-severity diagnostic was reported')
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
  addAnalysisFlags(read);
  registerCaptureCommands(program);
  return program;
}

/** Node's file errors carry a code; turn the common ones into words. */
function describeError(err: unknown): string | null {
  const e = err as NodeJS.ErrnoException;
  if (e && typeof e === 'object' && typeof e.message === 'string' && (e.name === 'CaptureFormatError' || e.code !== undefined || e.name === 'CaptureOpenError')) {
    return e.message;
  }
  return null;
}

export async function main(argv: string[]): Promise<number> {
  limitHeapGrowth();
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
