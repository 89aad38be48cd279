#!/usr/bin/env node
// Live-capture benchmark (run as root, after `npm run build`): a burst of small MSNP writes over a real
// TCP connection on lo, sent by a child process, while this process captures it with the cap-backed
// source, alone ("source") and feeding the full analysis ("pipeline"). Reports packets seen vs the
// kernel's own segment counters (ss segs_out of both sockets), and capture-side CPU time per packet.
//
//   BENCH_WRITES   client writes per burst (default 30000, ≈ 25–30k packets; each is one MSG command, setNoDelay)
//   BENCH_BUFFER   kernel ring in MiB (default 64; try 10 to see silent loss)
//   BENCH_DUMPCAP  1 to run dumpcap on the same burst as a second observer, with its drop counter
//   BENCH_MODES    comma-separated rounds to run (default source,pipeline)
//   BENCH_MAX_BATCH  packets per analysis slice (LiveCaptureOptions.maxBatch, default 128)
//   BENCH_ROUNDS   bursts per mode (default 3): loss on a shared 2-CPU box varies from run to run
//
// CPU is counted from just after open(): allocating the ring is a one-off (≈0.2 s for 64 MiB).

import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const WRITES = Number(process.env.BENCH_WRITES ?? 30000);
const BUFFER_MIB = Number(process.env.BENCH_BUFFER ?? 64);
const WITH_DUMPCAP = process.env.BENCH_DUMPCAP === '1';
const MODES = (process.env.BENCH_MODES ?? 'source,pipeline').split(',');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const MAX_BATCH = process.env.BENCH_MAX_BATCH ? Number(process.env.BENCH_MAX_BATCH) : undefined;

if (process.getuid?.() !== 0) {
  console.error('bench-live: needs root (live capture on lo)');
  process.exit(2);
}
if (!existsSync(join(root, 'dist', 'capture', 'live.js'))) {
  console.error('bench-live: run `npm run build` first');
  process.exit(2);
}
const dist = (p) => import(pathToFileURL(join(root, 'dist', p)).href);
const { LiveCapture } = await dist('capture/live.js');
const pipeline = MODES.includes('pipeline')
  ? { ...(await dist('pipeline.js')), ...(await dist('report/ndjson.js')), ...(await dist('report/output.js')) }
  : null;

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

async function round(mode, dir) {
  const traffic = startTraffic();
  const { port } = await traffic.next();
  const dumpcap = WITH_DUMPCAP ? startDumpcap(port, dir) : null;
  if (dumpcap) await dumpcap.ready();

  const live = LiveCapture.open({ device: 'lo', filter: `tcp port ${port}`, bufferBytes: BUFFER_MIB << 20, maxBatch: MAX_BATCH });
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let summary = null;
  let done;
  if (mode === 'source') {
    done = (async () => {
      for await (const batch of live.batches(() => {})) void batch;
    })();
  } else {
    const sink = new Writable({ write: (_c, _e, cb) => cb() });
    const output = new pipeline.TextOutput(sink);
    done = pipeline.analyze((diag) => live.batches(diag), new pipeline.NdjsonReporter(output), { ports: [port] }, output).then((s) => {
      summary = s;
    });
  }

  traffic.send('go');
  const sent = await traffic.next();
  // The capture runs behind the traffic: wait until it has drained what the kernel holds.
  let seenAtCount = -1;
  while (live.stats.received !== seenAtCount) {
    seenAtCount = live.stats.received;
    await new Promise((r) => setTimeout(r, 200));
  }
  traffic.send('close');
  await traffic.next();
  await new Promise((r) => setTimeout(r, 100));
  live.stop('requested');
  await done;
  const cpu = process.cpuUsage(cpu0);
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const ref = dumpcap ? await dumpcap.stop() : null;
  traffic.child.kill();

  const total = live.stats.received;
  return {
    mode,
    sent: sent.segsOut,
    seen: seenAtCount,
    lost: sent.segsOut - seenAtCount,
    totalWithClose: total,
    droppedByQueue: live.stats.droppedByQueue,
    cut: live.stats.cut,
    cpuUserMs: cpu.user / 1000,
    cpuSystemMs: cpu.system / 1000,
    cpuMicrosPerPacket: (cpu.user + cpu.system) / total,
    wallMs,
    commands: summary?.commands,
    dumpcap: ref,
  };
}

const dir = mkdtempSync(join(tmpdir(), 'msnsniff-bench-live-'));
const results = [];
try {
  for (const mode of MODES) for (let i = 0; i < ROUNDS; i++) results.push(await round(mode, dir));
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const node = process.version;
const cpus = spawnSync('nproc', { encoding: 'utf8' }).stdout.trim();
const load = spawnSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).stdout.split(' ').slice(0, 3).join(' ');
console.log(`bench-live: ${WRITES} writes per burst, ring ${BUFFER_MIB} MiB, max batch ${MAX_BATCH ?? 'default'}, node ${node}, ${cpus} CPUs, load average ${load}`);
console.log('mode      sent(ss)  seen    lost  queue-drops  cpu µs/pkt  cpu user+sys ms  wall ms  commands  dumpcap recv/drop');
for (const r of results) {
  const ref = r.dumpcap ? (r.dumpcap.error ? r.dumpcap.error : `${r.dumpcap.received}/${r.dumpcap.dropped}`) : '-';
  console.log(
    [
      r.mode.padEnd(8),
      String(r.sent).padStart(8),
      String(r.seen).padStart(7),
      String(r.lost).padStart(5),
      String(r.droppedByQueue).padStart(11),
      r.cpuMicrosPerPacket.toFixed(2).padStart(11),
      `${r.cpuUserMs.toFixed(0)}+${r.cpuSystemMs.toFixed(0)}`.padStart(16),
      r.wallMs.toFixed(0).padStart(8),
      String(r.commands ?? '-').padStart(9),
      ref.padStart(18),
    ].join('  '),
  );
}
