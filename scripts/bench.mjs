#!/usr/bin/env node
// `npm run bench`: generates large synthetic MSNP captures (many interleaved connections, MSG bodies
// spanning segments) and measures `msnsniff read --format ndjson` (MB/s, packets/s, peak RSS) against
// `tshark -Y msnms` when tshark is installed. Sizes: BENCH_MB (default 300) plus a third of it, to show
// whether memory stays flat as the file grows. Files go to $BENCH_DIR (default /tmp/msnsniff-bench).

import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const benchDir = process.env.BENCH_DIR ?? '/tmp/msnsniff-bench';
const targetMb = Number(process.env.BENCH_MB ?? 300);
const CONNECTIONS = 2000;
const MSS = 1448;

// ---- capture generation: Ethernet/IPv4/TCP frames from a patched header template ----

const enc = new TextEncoder();

function frameHeader(srcIp, dstIp, srcPort, dstPort, seq, ack, flags, payloadLength) {
  const h = Buffer.alloc(54);
  h.writeUInt16BE(0x0800, 12);
  h[14] = 0x45;
  h.writeUInt16BE(20 + 20 + payloadLength, 16);
  h[22] = 64;
  h[23] = 6;
  h.writeUInt32BE(srcIp >>> 0, 26);
  h.writeUInt32BE(dstIp >>> 0, 30);
  h.writeUInt16BE(srcPort, 34);
  h.writeUInt16BE(dstPort, 36);
  h.writeUInt32BE(seq >>> 0, 38);
  h.writeUInt32BE(ack >>> 0, 42);
  h[46] = 0x50;
  h[47] = flags;
  h.writeUInt16BE(65535, 48);
  return h;
}

class PcapFile {
  constructor(path) {
    this.fd = openSync(path, 'w');
    this.parts = [];
    this.size = 0;
    this.packets = 0;
    this.micros = 1_700_000_000_000_000;
    const g = Buffer.alloc(24);
    g.writeUInt32LE(0xa1b2c3d4, 0);
    g.writeUInt16LE(2, 4);
    g.writeUInt16LE(4, 6);
    g.writeUInt32LE(262144, 16);
    g.writeUInt32LE(1, 20);
    this.push(g);
  }
  push(b) {
    this.parts.push(b);
    this.size += b.length;
    if (this.parts.length > 4096) this.flush();
  }
  frame(header, payload) {
    const rec = Buffer.alloc(16);
    this.micros += 37;
    const len = header.length + payload.length;
    rec.writeUInt32LE(Math.floor(this.micros / 1e6), 0);
    rec.writeUInt32LE(this.micros % 1e6, 4);
    rec.writeUInt32LE(len, 8);
    rec.writeUInt32LE(len, 12);
    this.push(rec);
    this.push(header);
    if (payload.length) this.push(payload);
    this.packets++;
  }
  flush() {
    writeSync(this.fd, Buffer.concat(this.parts));
    this.parts = [];
  }
  close() {
    this.flush();
    closeSync(this.fd);
  }
}

function makeConnections() {
  const conns = [];
  for (let i = 0; i < CONNECTIONS; i++) {
    conns.push({
      clientIp: (10 << 24) | (1 << 16) | i,
      serverIp: (207 << 24) | (46 << 16) | (108 << 8) | (i % 200),
      clientPort: 20000 + (i % 40000),
      cseq: (i * 7919 * 104729) >>> 0,
      sseq: (i * 15485863) >>> 0,
      trId: 1,
      open: false,
    });
  }
  return conns;
}

function send(file, c, fromClient, bytes) {
  for (let o = 0; o < bytes.length; o += MSS) {
    const piece = bytes.subarray(o, Math.min(bytes.length, o + MSS));
    const h = fromClient
      ? frameHeader(c.clientIp, c.serverIp, c.clientPort, 1863, c.cseq, c.sseq, 0x18, piece.length)
      : frameHeader(c.serverIp, c.clientIp, 1863, c.clientPort, c.sseq, c.cseq, 0x18, piece.length);
    file.frame(h, piece);
    if (fromClient) c.cseq = (c.cseq + piece.length) >>> 0;
    else c.sseq = (c.sseq + piece.length) >>> 0;
  }
}

function handshake(file, c) {
  file.frame(frameHeader(c.clientIp, c.serverIp, c.clientPort, 1863, c.cseq, 0, 0x02, 0), Buffer.alloc(0));
  file.frame(frameHeader(c.serverIp, c.clientIp, 1863, c.clientPort, c.sseq, c.cseq + 1, 0x12, 0), Buffer.alloc(0));
  c.cseq = (c.cseq + 1) >>> 0;
  c.sseq = (c.sseq + 1) >>> 0;
  send(file, c, true, enc.encode(`USR ${c.trId++} user${c.clientPort}@example.com 17262740.1050826919.${c.clientPort}\r\n`));
  send(file, c, false, enc.encode(`USR ${c.trId - 1} OK user${c.clientPort}@example.com User%20${c.clientPort}\r\n`));
  c.open = true;
}

const filler = 'Benchmark text with ünïcödé so byte length differs from characters. ';

function chatRound(file, c, k) {
  const body = `MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nX-MMS-IM-Format: FN=Arial; EF=; CO=0; CS=0; PF=22\r\n\r\n${filler.repeat(8 + (k % 40))}`;
  const bodyBytes = enc.encode(body);
  const tr = c.trId++;
  send(file, c, true, Buffer.concat([enc.encode(`MSG ${tr} A ${bodyBytes.length}\r\n`), bodyBytes]));
  send(file, c, false, enc.encode(`ACK ${tr}\r\nMSG peer@example.com Peer ${bodyBytes.length}\r\n`));
  send(file, c, false, bodyBytes);
  const typing = enc.encode('MIME-Version: 1.0\r\nContent-Type: text/x-msmsgscontrol\r\nTypingUser: peer@example.com\r\n\r\n\r\n');
  send(file, c, false, Buffer.concat([enc.encode(`MSG peer@example.com Peer ${typing.length}\r\n`), typing]));
}

/** Writes the capture unless a complete one is there; returns its packet count (kept in a sidecar file). */
function generate(path, megabytes) {
  const sidecar = `${path}.packets`;
  if (existsSync(path) && existsSync(sidecar) && statSync(path).size >= megabytes * 1e6) return Number(readFileSync(sidecar, 'utf8'));
  const file = new PcapFile(path);
  const conns = makeConnections();
  let k = 0;
  while (file.size < megabytes * 1e6) {
    const c = conns[(k * 7) % conns.length];
    if (!c.open) handshake(file, c);
    chatRound(file, c, k);
    k++;
  }
  file.close();
  writeFileSync(sidecar, String(file.packets));
  return file.packets;
}

// ---- measurement ----

function measure(label, cmd, args, bytes) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M %U %S', cmd, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const lines = r.stderr.toString().trim().split('\n');
  const [elapsed, maxRssKb, user, sys] = lines[lines.length - 1].split(' ').map(Number);
  return { label, seconds: elapsed, mbPerS: bytes / 1e6 / elapsed, peakRssMb: maxRssKb / 1024, cpu: user + sys, status: r.status };
}

mkdirSync(benchDir, { recursive: true });
const cli = join(root, 'dist/cli.js');
const hasTshark = spawnSync('sh', ['-c', 'command -v tshark']).status === 0;
const results = [];
for (const mb of [Math.round(targetMb / 3), targetMb]) {
  const path = join(benchDir, `synthetic-${mb}mb.pcap`);
  process.stderr.write(`generating ${path} …\n`);
  const packets = generate(path, mb);
  const bytes = statSync(path).size;
  const ours = measure(`msnsniff ${mb} MB`, process.execPath, [cli, 'read', '--format', 'ndjson', path], bytes);
  results.push({ ...ours, packets, packetsPerS: packets / ours.seconds });
  if (hasTshark && mb === targetMb) {
    const t = measure(`tshark -Y msnms ${mb} MB`, 'tshark', ['-r', path, '-Y', 'msnms'], bytes);
    results.push({ ...t, packets, packetsPerS: packets / t.seconds });
  }
}

console.log('\n| run | file MB | packets | seconds | MB/s | packets/s | peak RSS MB | exit |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of results) {
  const mb = Number(/(\d+) MB/.exec(r.label)?.[1]);
  console.log(`| ${r.label} | ${mb} | ${r.packets} | ${r.seconds.toFixed(2)} | ${r.mbPerS.toFixed(0)} | ${Math.round(r.packetsPerS)} | ${r.peakRssMb.toFixed(0)} | ${r.status} |`);
}
const ours = results.find((r) => r.label === `msnsniff ${targetMb} MB`);
const theirs = results.find((r) => r.label.startsWith('tshark'));
if (ours && theirs) console.log(`\nthroughput ratio msnsniff / tshark: ${(ours.mbPerS / theirs.mbPerS).toFixed(1)}×`);
if (!hasTshark) console.log('\n(tshark not installed: apt-get install tshark to compare)');
