// The `capture <interface>` and `interfaces` commands: flags -> live source options, the same
// pipeline and reporters as `read` fed by a capture child process, clean stop on Ctrl-C / -c / -a,
// optional -w capture file.

import type { Device } from 'cap';
import { Command, InvalidArgumentError, Option } from 'commander';
import { listDevices } from '../capture/cap-binding.js';
import { CaptureFileTee } from '../capture/file-tee.js';
import { DEFAULT_BUFFER_MIB, type StopReason } from '../capture/live.js';
import { liveBatches } from '../capture/live-batches.js';
import { CaptureChild, type ChildEnd } from '../capture/live-child.js';
import { DEFAULT_MAX_PENDING_BYTES, type LiveFileFormat } from '../capture/live-records.js';
import { readCapture } from '../capture/source.js';
import { EXIT_OK, EXIT_USAGE, analysisExitCode } from '../exit-codes.js';
import { analyze } from '../pipeline.js';
import { makeReporter, OUTPUT_FORMATS, type OutputFormat } from '../report/formats.js';
import { type AnalysisFlags, addAnalysisFlags, analysisOptions, parsePortList } from './analysis-options.js';
import { TextOutput } from '../report/output.js';
import type { Summary } from '../report/reporter.js';

interface CaptureOptions extends AnalysisFlags {
  format: OutputFormat;
  port: number[];
  filter?: string;
  write?: string;
  writeFormat: LiveFileFormat;
  count?: number;
  autostop?: AutoStop;
  bufferSize: number;
  strict?: boolean;
}

interface AutoStop {
  seconds?: number;
  packets?: number;
}

const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;
/** How long the capture child may take to exit after its packet stream ended. */
const CHILD_EXIT_GRACE_MS = 5000;

export function registerCaptureCommands(program: Command): void {
  const capture = program
    .command('capture')
    .description('capture MSNP live from a network interface (needs root or CAP_NET_RAW) and report it as it happens')
    .argument('<interface>', 'interface to capture on (see msnsniff interfaces), e.g. eth0, lo, any')
    .addOption(new Option('--format <format>', 'output format').choices(OUTPUT_FORMATS).default('transcript'))
    .addOption(
      new Option('--port <list>', 'comma-separated TCP ports that carry MSNP; also builds the default filter')
        .argParser(parsePortList)
        .default([1863], '1863'),
    )
    .option('-f, --filter <bpf>', 'BPF capture filter (default: "tcp port P" for each --port, joined by "or")')
    .option('-w, --write <file>', 'also write the captured packets to this file, as they arrive', captureFilePath)
    .addOption(new Option('-F, --write-format <format>', 'format of the -w file').choices(['pcapng', 'pcap']).default('pcapng'))
    .option('-c, --count <n>', 'stop after n packets', positiveInteger)
    .option('-a, --autostop <condition>', 'stop by itself: duration:<seconds> or packets:<n> (repeatable)', collectAutostop)
    .option('--buffer-size <MiB>', 'kernel capture ring size; too small loses packets silently in bursts', mebibytes, DEFAULT_BUFFER_MIB)
    .option('--strict', 'exit 1 when any error-severity diagnostic was reported')
    .addHelpText(
      'after',
      `
Examples:
  sudo msnsniff capture eth0
  sudo msnsniff capture lo --port 1863,1864 --format ndjson
  sudo msnsniff capture any -w session.pcapng -a duration:60

Ctrl-C stops the capture, reports what was still buffered and prints the summary (exit 0).
Packets lost by the kernel are not reported by this capture backend; for kernel timestamps and
drop counts use: dumpcap -i eth0 -f 'tcp port 1863' -P -w - | msnsniff read -
Exit codes: 0 done, 1 --strict and error diagnostics, 2 bad usage or capture cannot start, 3 internal error.`,
    )
    .action(async (iface: string, opts: CaptureOptions) => {
      process.exitCode = await runCapture(iface, opts);
    });
  addAnalysisFlags(capture);

  program
    .command('interfaces')
    .description('list the interfaces live capture can open, with their addresses')
    .option('--json', 'print a JSON array instead of a table')
    .action((opts: { json?: boolean }) => {
      const devices = listDevices();
      process.stdout.write(opts.json ? `${JSON.stringify(devices, null, 2)}\n` : formatDevices(devices));
    });
}

async function runCapture(iface: string, opts: CaptureOptions): Promise<number> {
  const filter = opts.filter ?? opts.port.map((p) => `tcp port ${p}`).join(' or ');
  const autostop = opts.autostop ?? {};
  const maxPackets = minDefined(opts.count, autostop.packets);
  // Created before the interface is opened so a bad path fails without starting a capture.
  const tee = opts.write !== undefined ? new CaptureFileTee(opts.write) : null;

  // Interrupted while the child is still starting: it is told to stop as soon as it is up.
  let interrupted = false;
  let child: CaptureChild | null = null;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupted) {
      // A second Ctrl-C while the final output is still draining (e.g. a stalled pipe): give up.
      process.stderr.write(`msnsniff: ${signal} again, exiting without the summary\n`);
      process.exit(130);
    }
    interrupted = true;
    // Ctrl-C in a terminal also reached the child; a SIGTERM sent to this process alone did not.
    child?.stop('signal');
  };
  for (const s of STOP_SIGNALS) process.on(s, onSignal);

  try {
    child = await CaptureChild.start({
      device: iface,
      filter,
      bufferBytes: opts.bufferSize * 1024 * 1024,
      format: opts.writeFormat,
      maxPendingBytes: DEFAULT_MAX_PENDING_BYTES,
      ...(maxPackets !== undefined && { maxPackets }),
      ...(autostop.seconds !== undefined && { maxSeconds: autostop.seconds }),
    });
  } catch (err) {
    for (const s of STOP_SIGNALS) process.off(s, onSignal);
    tee?.close();
    // Ctrl-C before the capture process was up can kill it before it handles the signal: a stop, not a failure.
    if (interrupted) return EXIT_OK;
    throw err;
  }
  const live = child;
  if (interrupted) live.stop('signal');

  try {
    process.stderr.write(
      `msnsniff: capturing on ${iface} (link type ${live.linkTypeName}), filter "${filter}"${tee ? `, writing ${tee.path}` : ''}; Ctrl-C to stop\n`,
    );
    const output = new TextOutput(process.stdout);
    const reporter = makeReporter(opts.format, output, { payload: opts.payload });
    const stream = tee !== null ? tee.tee(live.packets) : live.packets;
    const summary = await analyze(
      (diag) => liveBatches(readCapture(stream, diag, { name: 'the capture process output' }), live, diag),
      reporter,
      // A filter built from --port passes no other port: say so when a switchboard is announced elsewhere.
      { ...analysisOptions(opts.port, opts), ...(opts.filter === undefined && { capturedPorts: opts.port }) },
      output,
    );
    await output.end();
    // Its stream has ended (or it was told to stop), so the child exits at once; a wedged one is killed.
    const killTimer = setTimeout(() => live.kill(), CHILD_EXIT_GRACE_MS);
    const end = await live.end();
    clearTimeout(killTimer);
    if (opts.format === 'ndjson') process.stderr.write(`msnsniff: ${summaryLine(end, live.stopRequested, summary, tee)}\n`);
    if (!end.ok) {
      process.stderr.write(`msnsniff: ${end.message}\n`);
      return EXIT_USAGE;
    }
    return analysisExitCode(summary, opts.strict);
  } finally {
    for (const s of STOP_SIGNALS) process.off(s, onSignal);
    // Normally the child has exited by now; after an internal error it may still be capturing.
    live.stop('requested');
    tee?.close();
  }
}

const STOP_WORDS: Record<StopReason, string> = {
  signal: 'stopped by signal',
  count: 'packet count reached',
  duration: 'duration reached',
  consumer: 'output closed',
  requested: 'stopped',
};

function summaryLine(end: ChildEnd, requested: StopReason | null, s: Summary, tee: CaptureFileTee | null): string {
  // The parent's own reason wins: after the output closed, the child only knows it was told to stop.
  const reason = requested === 'consumer' ? 'consumer' : end.ok ? end.reason : null;
  const sev = s.diagnosticsBySeverity;
  const parts = [
    `${reason !== null ? STOP_WORDS[reason] : 'capture process lost'}: ${s.packets} packets`,
    `${s.msnpConnections} MSNP connections`,
    `${s.commands} commands`,
    `diagnostics: ${sev.error} errors, ${sev.warning} warnings, ${sev.info} info`,
  ];
  if (end.ok && end.dropped > 0) parts.push(`${end.dropped} packets dropped (analysis too slow)`);
  if (tee !== null) parts.push(`${s.packets} packets written to ${tee.path}`);
  return parts.join('; ');
}

function formatDevices(devices: readonly Device[]): string {
  const width = Math.max(4, ...devices.map((d) => d.name.length));
  const lines = devices.map((d) => {
    const addrs = d.addresses.filter((a) => a.addr !== undefined).map((a) => withPrefix(a.addr as string, a.netmask));
    const notes = [d.flags === 'PCAP_IF_LOOPBACK' ? 'loopback' : null, d.description ?? null].filter((n) => n !== null);
    const text = [addrs.join(', '), notes.length > 0 ? `(${notes.join('; ')})` : ''].filter((t) => t !== '').join('  ');
    return `${d.name.padEnd(width)}  ${text}`.trimEnd();
  });
  return lines.length > 0 ? `${lines.join('\n')}\n` : 'no capture interfaces found (capturing may need root or CAP_NET_RAW)\n';
}

/** "127.0.0.1" + "255.0.0.0" -> "127.0.0.1/8"; the address alone when the mask is missing or odd. */
function withPrefix(addr: string, netmask: string | undefined): string {
  if (netmask === undefined) return addr;
  let bits = 0;
  if (netmask.includes('.')) {
    for (const octet of netmask.split('.')) bits += popcount(Number(octet));
  } else {
    for (const group of expandIpv6(netmask)) bits += popcount(group);
  }
  return `${addr}/${bits}`;
}

function expandIpv6(addr: string): number[] {
  const [head = '', tail] = addr.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = new Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0');
  return [...left, ...zeros, ...right].map((g) => parseInt(g, 16) || 0);
}

function popcount(n: number): number {
  let bits = 0;
  for (let v = n >>> 0; v !== 0; v >>>= 1) bits += v & 1;
  return bits;
}

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}

// Option parsers: commander turns an InvalidArgumentError into "option '…' argument '…' is invalid. <reason>".

function positiveInteger(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('expected a whole number of at least 1');
  return Number(value);
}

function captureFilePath(value: string): string {
  if (value === '-') throw new InvalidArgumentError('writing the capture to standard output is not supported: it carries the report');
  return value;
}

function mebibytes(value: string): number {
  // cap passes the size to libpcap as a signed 32-bit byte count.
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 2047) throw new InvalidArgumentError('expected MiB between 1 and 2047');
  return Number(value);
}

function collectAutostop(value: string, previous: AutoStop | undefined): AutoStop {
  const m = /^(duration|packets):(\d+(?:\.\d+)?)$/.exec(value);
  if (m === null) throw new InvalidArgumentError('expected duration:<seconds> or packets:<n>');
  const n = Number(m[2]);
  if (m[1] === 'duration') {
    if (!(n > 0)) throw new InvalidArgumentError('duration must be more than 0 seconds');
    return { ...previous, seconds: n };
  }
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('packets must be a whole number of at least 1');
  return { ...previous, packets: n };
}
