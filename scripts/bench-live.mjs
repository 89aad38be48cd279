#!/usr/bin/env node
// Live-capture benchmark (run as root, after `npm run build`): a burst of small MSNP writes over a real
// TCP connection on lo, sent by a child process, while the real CLI captures it
// (`msnsniff capture lo --format ndjson -w file`: a capture child process feeding the analysis).
// Reports packets sent (the kernel's own segment counters, ss segs_out of both sockets) vs packets that
// reached the analysis (the -w file is written by the analysis process as it reads the child's
// stream), and CPU time per packet of the capture child and of the analysis process.
//
//   BENCH_WRITES   client writes per burst (default 30000, ≈ 25–30k packets; each is one MSG command, setNoDelay)
//   BENCH_BUFFER   kernel ring in MiB (--buffer-size, default 64 as in msnsniff; 256 for the loss-free setting, 16 to see silent loss)
//   BENCH_FORMAT   output format of the analysis (default ndjson; its output is read and discarded)
//   BENCH_DUMPCAP  1 to run dumpcap on the same burst as a second observer, with its drop counter
//   BENCH_ROUNDS   bursts (default 3), each with a fresh msnsniff: loss on a shared 2-CPU box varies
//   BENCH_KEEP     1 to keep the -w files (e.g. for tshark -Y tcp.analysis.lost_segment)
//
// CPU is counted from the "capturing on" line (start-up, loading and allocating the ring excluded)
// to the end of the burst, from /proc/<pid>/stat (10 ms ticks).

import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { captureChild, countRecords } from './live-tools.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const WRITES = Number(process.env.BENCH_WRITES ?? 30000);
const BUFFER_MIB = Number(process.env.BENCH_BUFFER ?? 64);
const FORMAT = process.env.BENCH_FORMAT ?? 'ndjson';
const WITH_DUMPCAP = process.env.BENCH_DUMPCAP === '1';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CLI = join(root, 'dist', 'cli.js');

if (process.getuid?.() !== 0) {
  console.error('bench-live: needs root (live capture on lo)');
  process.exit(2);
}
if (!existsSync(join(root, 'dist', 'capture-worker.js'))) {
  console.error('bench-live: run `npm run build` first');
  process.exit(2);
}
const TICK_MS = 1000 / Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);

// The traffic generator runs in its own process so its CPU time is not charged to the capture.
// Protocol on its stdio: it prints {"port"}; on "go" it connects and bursts, waits until the server
// has every byte, lets the last ACKs go out, prints {"segsOut"} from ss for both sockets; on "close" it
// closes and prints {"closed"}.
const TRAFFIC = `
import { createServer, connect } from 'node:net';
import { once } from 'node:events';
import { execFileSync } from 'node:child_process';
import { createInterface } from 'node:readline';
const writes = ${WRITES};
let received = 0, serverSock = null;
const server = createServer((s) => { serverSock = s; s.setNoDelay(true); s.on('data', (d) => { received += d.length; }); });
server.listen(0, '127.0.0.1'); await once(server, 'listening');
const port = server.address().port;
console.log(JSON.stringify({ port }));
const body = 'MIME-Version: 1.0\\r\\nContent-Type: text/plain; charset=UTF-8\\r\\n\\r\\n' + 'x'.repeat(60);
let client = null;
for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'go') {
    client = connect(port, '127.0.0.1'); client.setNoDelay(true); await once(client, 'connect');
    let total = 0;
    for (let i = 0; i < writes; i++) {
      const m = 'MSG ' + (i + 1) + ' U ' + body.length + '\\r\\n' + body;
      total += m.length;
      client.write(m);
      // Yield now and then so the writes leave as separate sends rather than one big writev.
      if (i % 64 === 63) await new Promise((r) => setImmediate(r));
    }
    while (received < total) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 300));
    const ss = execFileSync('ss', ['-tinH', 'state', 'established', '( sport = :' + port + ' or dport = :' + port + ' )'], { encoding: 'utf8' });
    const segsOut = [...ss.matchAll(/\\bsegs_out:(\\d+)/g)].reduce((a, m) => a + Number(m[1]), 0);
    console.log(JSON.stringify({ segsOut, sockets: [...ss.matchAll(/\\bsegs_out:/g)].length, bytes: total }));
  } else if (line === 'close') {
    client.end(); serverSock.end(); await once(client, 'close');
    server.close();
    console.log(JSON.stringify({ closed: true }));
    break;
  }
}
`;

function startTraffic() {
  const child = spawn(process.execPath, ['--input-type=module', '-e', TRAFFIC], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = [];
  let waiting = null;
  let buf = '';
  child.stdout.setEncoding('utf8').on('data', (s) => {
    buf += s;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      lines.push(JSON.parse(buf.slice(0, i)));
      buf = buf.slice(i + 1);
    }
    if (waiting && lines.length > 0) waiting(lines.shift());
  });
  const next = () =>
    new Promise((res) => {
      if (lines.length > 0) res(lines.shift());
      else waiting = (v) => ((waiting = null), res(v));
    });
  return { child, next, send: (cmd) => child.stdin.write(`${cmd}\n`) };
}

function startDumpcap(port, dir) {
  const file = join(dir, 'ref.pcapng');
  const child = spawn('dumpcap', ['-q', '-i', 'lo', '-f', `tcp port ${port}`, '-B', String(BUFFER_MIB), '-w', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (s) => (err += s));
  return {
    ready: () => new Promise((r) => setTimeout(r, 1000)),
    stop: async () => {
      child.kill('SIGINT');
      await once(child, 'close');
      // "Packets received/dropped on interface 'lo': 24010/0 (pcap:0/dumpcap:0/flushed:0/ps_ifdrop:0) (100.0%)"
      const m = /received\/dropped on interface '[^']+': (\d+)\/(\d+)/.exec(err);
      return m ? { received: Number(m[1]), dropped: Number(m[2]) } : { error: err.trim() };
    },
  };
}

/** User + system CPU of a process so far, in ms. */
function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * TICK_MS;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function startCapture(port, file) {
  const args = [CLI, 'capture', 'lo', '--port', String(port), '--format', FORMAT, '--buffer-size', String(BUFFER_MIB), '-w', file];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let outBytes = 0;
  child.stdout.on('data', (d) => (outBytes += d.length));
  let err = '';
  let started = null;
  const ready = new Promise((r) => (started = r));
  child.stderr.setEncoding('utf8').on('data', (s) => {
    err += s;
    if (/capturing on/.test(err)) started();
  });
  const exit = once(child, 'close');
  return { child, ready, exit, stderr: () => err, outBytes: () => outBytes };
}

/** The capture child of the msnsniff process `pid`. */
function childOf(pid) {
  const child = captureChild(pid);
  if (child === null) throw new Error('no capture child found');
  return child;
}

async function round(dir, i) {
  const traffic = startTraffic();
  const { port } = await traffic.next();
  const dumpcap = WITH_DUMPCAP ? startDumpcap(port, dir) : null;
  if (dumpcap) await dumpcap.ready();

  const file = join(dir, `burst-${i}.pcapng`);
  const cap = startCapture(port, file);
  await cap.ready;
  const workerPid = childOf(cap.child.pid);
  const cpu0 = { parent: cpuMs(cap.child.pid), child: cpuMs(workerPid) };
  const t0 = process.hrtime.bigint();

  traffic.send('go');
  const sent = await traffic.next();
  // The analysis runs behind the traffic: wait until the -w file (written as it reads) stops growing.
  let seen = -1;
  for (let stable = 0; stable < 3; ) {
    await sleep(200);
    const n = countRecords(file);
    stable = n === seen ? stable + 1 : 0;
    seen = n;
  }
  const cpu = { parent: cpuMs(cap.child.pid) - cpu0.parent, child: cpuMs(workerPid) - cpu0.child };
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  traffic.send('close');
  await traffic.next();
  await sleep(100);
  cap.child.kill('SIGINT');
  const [code] = await cap.exit;
  const ref = dumpcap ? await dumpcap.stop() : null;
  traffic.child.kill();
  const line = /stopped by signal: (\d+) packets; \d+ MSNP connections; (\d+) commands; diagnostics: (\d+) errors, (\d+) warnings/.exec(cap.stderr());
  const dropped = /(\d+) packets dropped \(analysis too slow\)/.exec(cap.stderr());

  return {
    sent: sent.segsOut,
    seen,
    lost: sent.segsOut - seen,
    total: line ? Number(line[1]) : null,
    commands: line ? Number(line[2]) : null,
    problems: line ? `${line[3]}/${line[4]}` : '-',
    droppedByChild: dropped ? Number(dropped[1]) : 0,
    childMicrosPerPacket: (cpu.child * 1000) / seen,
    parentMicrosPerPacket: (cpu.parent * 1000) / seen,
    cpu,
    wallMs,
    exit: code,
    dumpcap: ref,
  };
}

const dir = mkdtempSync(join(tmpdir(), 'msnsniff-bench-live-'));
const results = [];
try {
  for (let i = 0; i < ROUNDS; i++) results.push(await round(dir, i));
} finally {
  if (process.env.BENCH_KEEP === '1') console.log(`bench-live: capture files kept in ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}

const cpus = spawnSync('nproc', { encoding: 'utf8' }).stdout.trim();
const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
console.log(`bench-live: msnsniff capture lo --format ${FORMAT} -w, ${WRITES} writes per burst, ring ${BUFFER_MIB} MiB, node ${process.version}, ${cpus} CPUs, load average ${load}`);
console.log('sent(ss)  seen    lost  child-drops  child µs/pkt  analysis µs/pkt  cpu child+analysis ms  wall ms  commands  err/warn  exit  dumpcap recv/drop');
for (const r of results) {
  const ref = r.dumpcap ? (r.dumpcap.error ? r.dumpcap.error : `${r.dumpcap.received}/${r.dumpcap.dropped}`) : '-';
  console.log(
    [
      String(r.sent).padStart(8),
      String(r.seen).padStart(6),
      String(r.lost).padStart(5),
      String(r.droppedByChild).padStart(11),
      r.childMicrosPerPacket.toFixed(2).padStart(12),
      r.parentMicrosPerPacket.toFixed(2).padStart(15),
      `${r.cpu.child.toFixed(0)}+${r.cpu.parent.toFixed(0)}`.padStart(21),
      r.wallMs.toFixed(0).padStart(7),
      String(r.commands ?? '-').padStart(8),
      r.problems.padStart(8),
      String(r.exit).padStart(4),
      ref.padStart(17),
    ].join('  '),
  );
}
