#!/usr/bin/env node
// `npm run bench`: generates large synthetic MSNP captures (many interleaved connections, MSG bodies
// spanning segments) and measures `msnsniff read --format ndjson` (MB/s, packets/s, peak RSS) against
// `tshark -Y msnms` when tshark is installed. Three traffic profiles (BENCH_PROFILE, default all):
//   chat   what MSN traffic looks like: short commands and messages, bare ACKs, ~150 bytes a packet
//   bulk   long chat messages only, no bare ACKs, ~800 bytes a packet (kind to per-packet costs)
//   mixed  chat inside other TCP traffic (HTTP downloads, ~80% of the bytes), as in forensic captures
//   holes  (only when asked for) every client loses 10 bytes after its first line and sends on: all the
//          rest waits behind the holes, which measures the bound on out-of-order bytes, not speed
// Sizes: BENCH_MB (default 300) plus a third of it, to show whether memory stays flat as the file grows.
// Files go to $BENCH_DIR (default /tmp/msnsniff-bench); BENCH_TSHARK=0 skips tshark. BENCH_RUNS=n (default 1)
// measures each file n times, msnsniff and tshark taking turns, and reports the median: on a shared machine
// single runs vary by tens of percent.

import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { msnp11ChallengeResponse } from '../dist/msnp/auth.js';
import { mulberry32 } from './prng.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const benchDir = process.env.BENCH_DIR ?? '/tmp/msnsniff-bench';
const targetMb = Number(process.env.BENCH_MB ?? 300);
const profiles = (process.env.BENCH_PROFILE ?? 'chat,bulk,mixed').split(',');
const runs = Number(process.env.BENCH_RUNS ?? 1);
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`bench: BENCH_RUNS must be a positive integer, not '${process.env.BENCH_RUNS}'`);
  process.exit(2);
}
for (const p of profiles) {
  if (p !== 'chat' && p !== 'bulk' && p !== 'mixed' && p !== 'holes') {
    console.error(`bench: unknown BENCH_PROFILE '${p}' (chat, bulk, mixed, holes)`);
    process.exit(2);
  }
}
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
      sb: i % 2 === 1,
      p2pChunks: 0,
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

const EMPTY = Buffer.alloc(0);

function tcpHandshake(file, c) {
  file.frame(frameHeader(c.clientIp, c.serverIp, c.clientPort, 1863, c.cseq, 0, 0x02, 0), EMPTY);
  file.frame(frameHeader(c.serverIp, c.clientIp, 1863, c.clientPort, c.sseq, c.cseq + 1, 0x12, 0), EMPTY);
  c.cseq = (c.cseq + 1) >>> 0;
  c.sseq = (c.sseq + 1) >>> 0;
  c.open = true;
}

function handshake(file, c) {
  tcpHandshake(file, c);
  send(file, c, true, enc.encode(`USR ${c.trId++} user${c.clientPort}@example.com 17262740.1050826919.${c.clientPort}\r\n`));
  send(file, c, false, enc.encode(`USR ${c.trId - 1} OK user${c.clientPort}@example.com User%20${c.clientPort}\r\n`));
}

// ---- profile "bulk": long chat messages only, no bare ACKs (about 800 bytes a packet) ----

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

// ---- profile "chat": what MSN traffic looks like on the wire ----
// Notification and switchboard connections in equal numbers; mostly short command lines and short chat
// messages, most of them followed by a bare TCP ACK from the receiver, a few messages long enough to
// span segments, now and then a P2P data chunk. The shape of the reference file in ../shared/design/TOOLCHAIN.md
// (about 150 bytes a packet, half of them bare ACKs).

const WORDS = 'hi hey ok lol yes no sure brb back what when tonight tomorrow coming now? ünïcödé :) ;) :P the a is game file sent thanks see you later'.split(' ');

function sentence(rand, words) {
  let s = '';
  for (let i = 0; i < words; i++) s += (i ? ' ' : '') + WORDS[Math.floor(rand() * WORDS.length)];
  return s;
}

function chatSend(file, rand, c, fromClient, bytes) {
  send(file, c, fromClient, bytes);
  // The receiver's bare ACK (delayed ACKs skip some).
  if (rand() < 0.8) {
    const h = fromClient
      ? frameHeader(c.serverIp, c.clientIp, 1863, c.clientPort, c.sseq, c.cseq, 0x10, 0)
      : frameHeader(c.clientIp, c.serverIp, c.clientPort, 1863, c.cseq, c.sseq, 0x10, 0);
    file.frame(h, EMPTY);
  }
}

function chatLogin(file, rand, c) {
  const tx = (from, s) => chatSend(file, rand, c, from, enc.encode(s));
  const me = `user${c.clientPort}@example.com`;
  if (c.sb) {
    tx(true, `ANS ${c.trId++} ${me} 1${c.clientPort}.4721 9${c.clientPort}\r\n`);
    tx(false, `IRO ${c.trId - 1} 1 1 peer${c.clientPort}@example.com Peer%20${c.clientPort} 1342177280\r\n`);
    tx(false, `ANS ${c.trId - 1} OK\r\n`);
    return;
  }
  tx(true, `VER ${c.trId++} MSNP11 CVR0\r\n`);
  tx(false, `VER ${c.trId - 1} MSNP11\r\n`);
  tx(true, `CVR ${c.trId++} 0x0409 winnt 5.1 i386 MSNMSGR 7.0.0816 MSMSGS ${me}\r\n`);
  tx(false, `CVR ${c.trId - 1} 7.0.0816 7.0.0816 7.0.0425 http://download.microsoft.com/download/msnmsgr.exe http://messenger.msn.com\r\n`);
  tx(true, `USR ${c.trId++} TWN I ${me}\r\n`);
  tx(false, `USR ${c.trId - 1} OK ${me} 1 0\r\n`);
  tx(true, `CHG ${c.trId++} NLN 1342177280\r\n`);
  tx(false, `CHG ${c.trId - 1} NLN 1342177280\r\n`);
}

function chatEvent(file, rand, c) {
  const tx = (from, s) => chatSend(file, rand, c, from, typeof s === 'string' ? enc.encode(s) : s);
  const r = rand();
  const n = c.clientPort;
  if (c.sb) {
    if (r < 0.45) {
      // A chat line one way or the other; 4% of them long enough to span segments.
      const words = rand() < 0.04 ? 300 + Math.floor(rand() * 400) : 1 + Math.floor(rand() * 25);
      const body = enc.encode(`MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nX-MMS-IM-Format: FN=Segoe%20UI; EF=; CO=0; CS=1; PF=0\r\n\r\n${sentence(rand, words)}`);
      if (rand() < 0.5) {
        const tr = c.trId++;
        tx(true, Buffer.concat([enc.encode(`MSG ${tr} A ${body.length}\r\n`), body]));
        tx(false, `ACK ${tr}\r\n`);
      } else {
        tx(false, Buffer.concat([enc.encode(`MSG peer${n}@example.com Peer%20${n} ${body.length}\r\n`), body]));
      }
    } else if (r < 0.85) {
      const who = rand() < 0.5;
      const body = enc.encode(`MIME-Version: 1.0\r\nContent-Type: text/x-msmsgscontrol\r\nTypingUser: ${who ? 'user' : 'peer'}${n}@example.com\r\n\r\n\r\n`);
      if (who) tx(true, Buffer.concat([enc.encode(`MSG ${c.trId++} U ${body.length}\r\n`), body]));
      else tx(false, Buffer.concat([enc.encode(`MSG peer${n}@example.com Peer%20${n} ${body.length}\r\n`), body]));
    } else {
      // A P2P data chunk (binary header, 1202 data bytes, footer), acknowledged by the switchboard.
      const head = enc.encode(`MIME-Version: 1.0\r\nContent-Type: application/x-msnmsgrp2p\r\nP2P-Dest: peer${n}@example.com\r\n\r\n`);
      // One 40-chunk file per connection, sent over and over: session id, identifier, offset within it.
      const chunk = c.p2pChunks++ % 40;
      const bin = Buffer.alloc(48 + 1202 + 4);
      bin.writeUInt32LE(c.clientPort, 0);
      bin.writeUInt32LE(1000 + chunk, 4);
      bin.writeUInt32LE(chunk * 1202, 8);
      bin.writeUInt32LE(1202 * 40, 16);
      bin.writeUInt32LE(1202, 24);
      bin.writeUInt32LE(0x1000030, 28);
      for (let i = 48; i < 48 + 1202; i++) bin[i] = (i * 31 + c.trId) & 0xff;
      bin.writeUInt32BE(2, 48 + 1202);
      const body = Buffer.concat([head, bin]);
      const tr = c.trId++;
      tx(true, Buffer.concat([enc.encode(`MSG ${tr} D ${body.length}\r\n`), body]));
      tx(false, `ACK ${tr}\r\n`);
    }
    return;
  }
  if (r < 0.3) {
    const psm = enc.encode(`<Data><PSM>${sentence(rand, 1 + Math.floor(rand() * 6))}</PSM><CurrentMedia></CurrentMedia></Data>`);
    tx(false, Buffer.concat([enc.encode(`UBX friend${Math.floor(rand() * 500)}@example.com ${psm.length}\r\n`), psm]));
  } else if (r < 0.6) {
    const f = Math.floor(rand() * 500);
    const st = ['NLN', 'AWY', 'BSY', 'IDL', 'BRB'][Math.floor(rand() * 5)];
    tx(false, `NLN ${st} friend${f}@example.com Friend%20${f} 1342177316 %3Cmsnobj%20Creator%3D%22friend${f}%40example.com%22%20Size%3D%2221839%22%20Type%3D%223%22%20Location%3D%22TFR2C.tmp%22%20Friendly%3D%22AAA%3D%22%2F%3E\r\n`);
  } else if (r < 0.7) {
    tx(false, `FLN friend${Math.floor(rand() * 500)}@example.com\r\n`);
  } else if (r < 0.9) {
    tx(true, 'PNG\r\n');
    tx(false, 'QNG 50\r\n');
  } else {
    // A right answer, as clients give: computed with msnsniff's own implementation of the MSNP11 algorithm.
    const challenge = String(Math.floor(rand() * 1e15)).padStart(15, '1') + String(Math.floor(rand() * 1e5)).padStart(5, '2');
    tx(false, `CHL 0 ${challenge}\r\n`);
    tx(true, `QRY ${c.trId++} PROD0090YUAUV{2B 32\r\n${msnp11ChallengeResponse(challenge, 'PROD0090YUAUV{2B', 'YMM8C_H7KCQ2S_KL')}`);
    tx(false, `QRY ${c.trId - 1}\r\n`);
  }
}

// ---- profile "mixed": the chat profile inside other TCP traffic (HTTP downloads, ~80% of the bytes) ----

function makeOtherConnections() {
  const conns = [];
  for (let i = 0; i < 500; i++) {
    conns.push({ clientIp: (10 << 24) | (2 << 16) | i, serverIp: (93 << 24) | (184 << 16) | (216 << 8) | (i % 50), clientPort: 30000 + i, cseq: i * 7777, sseq: i * 999331, sent: 0 });
  }
  return conns;
}

const DOWNLOAD = Buffer.from(Array.from({ length: MSS }, (_, i) => (i * 7) & 0xff));
const REQUEST = Buffer.from('GET /download/file.zip HTTP/1.1\r\nHost: example.com\r\n\r\n');

/** One full-size segment of a download (the request first on a new connection), and the client's ACK. */
function otherSegment(file, o) {
  if (o.sent === 0) {
    file.frame(frameHeader(o.clientIp, o.serverIp, o.clientPort, 80, o.cseq, o.sseq, 0x18, REQUEST.length), REQUEST);
    o.cseq = (o.cseq + REQUEST.length) >>> 0;
  }
  file.frame(frameHeader(o.serverIp, o.clientIp, 80, o.clientPort, o.sseq, o.cseq, 0x18, MSS), DOWNLOAD);
  o.sseq = (o.sseq + MSS) >>> 0;
  o.sent++;
  file.frame(frameHeader(o.clientIp, o.serverIp, o.clientPort, 80, o.cseq, o.sseq, 0x10, 0), EMPTY);
}

const HELD_LINE = enc.encode(`MSG 5 N 1400\r\n${'held behind a hole '.repeat(80)}`).subarray(0, MSS);

/** holes: client data only; 10 bytes lost after the opening line, so everything after it is held. */
function holesRound(file, c) {
  if (!c.open) {
    tcpHandshake(file, c);
    send(file, c, true, enc.encode('VER 1 MSNP8 CVR0\r\n'));
    c.cseq = (c.cseq + 10) >>> 0;
  }
  send(file, c, true, HELD_LINE);
}

/** Writes the capture unless a complete one is there; returns its packet count (kept in a sidecar file). */
function generate(path, megabytes, profile) {
  const sidecar = `${path}.packets`;
  if (existsSync(path) && existsSync(sidecar) && statSync(path).size >= megabytes * 1e6) return Number(readFileSync(sidecar, 'utf8'));
  const file = new PcapFile(path);
  const conns = makeConnections();
  const rand = mulberry32(1863); // the same file on every machine
  const others = profile === 'mixed' ? makeOtherConnections() : [];
  let k = 0;
  while (file.size < megabytes * 1e6) {
    const c = conns[(k * 7) % conns.length];
    if (profile === 'bulk') {
      if (!c.open) handshake(file, c);
      chatRound(file, c, k);
    } else if (profile === 'holes') {
      holesRound(file, c);
    } else {
      if (!c.open) {
        tcpHandshake(file, c);
        chatLogin(file, rand, c);
      }
      chatEvent(file, rand, c);
      if (profile === 'mixed') for (let i = 0; i < 2 + (k % 2); i++) otherSegment(file, others[(k * 3 + i) % others.length]);
    }
    k++;
  }
  file.close();
  writeFileSync(sidecar, String(file.packets));
  return file.packets;
}

// ---- measurement ----

function measure(label, cmd, args) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M %U %S', cmd, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const lines = r.stderr.toString().trim().split('\n');
  const [elapsed, maxRssKb, user, sys] = lines[lines.length - 1].split(' ').map(Number);
  return { label, seconds: elapsed, peakRssMb: maxRssKb / 1024, cpu: user + sys, status: r.status };
}

function median(values) {
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length >> 1;
  return v.length % 2 === 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** One row from n runs: median time and CPU, highest peak RSS, the worst exit status. */
function summarize(label, samples, bytes, packets) {
  const seconds = median(samples.map((r) => r.seconds));
  return {
    label,
    runs: samples.length,
    seconds,
    cpu: median(samples.map((r) => r.cpu)),
    mbPerS: bytes / 1e6 / seconds,
    packetsPerS: packets / seconds,
    peakRssMb: Math.max(...samples.map((r) => r.peakRssMb)),
    status: samples.find((r) => r.status !== 0)?.status ?? 0,
  };
}

mkdirSync(benchDir, { recursive: true });
const cli = join(root, 'dist/cli.js');
const tsharkInstalled = spawnSync('sh', ['-c', 'command -v tshark']).status === 0;
const hasTshark = tsharkInstalled && process.env.BENCH_TSHARK !== '0';
const results = [];
for (const profile of profiles) {
  for (const mb of [Math.round(targetMb / 3), targetMb]) {
    const path = join(benchDir, `${profile}-${mb}mb.pcap`);
    process.stderr.write(`generating ${path} …\n`);
    const packets = generate(path, mb, profile);
    const bytes = statSync(path).size;
    process.stderr.write(`measuring ${path}${runs > 1 ? ` (${runs} runs)` : ''} …\n`);
    const withTshark = hasTshark && mb === targetMb;
    const ours = [];
    const theirs = [];
    for (let i = 0; i < runs; i++) {
      ours.push(measure('msnsniff', process.execPath, [cli, 'read', '--format', 'ndjson', path]));
      if (withTshark) theirs.push(measure('tshark -Y msnms', 'tshark', ['-r', path, '-Y', 'msnms']));
    }
    results.push({ ...summarize('msnsniff', ours, bytes, packets), profile, mb, packets });
    if (withTshark) results.push({ ...summarize('tshark -Y msnms', theirs, bytes, packets), profile, mb, packets });
  }
}

console.log('\n| profile | run | file MB | packets | seconds | CPU s | MB/s | packets/s | peak RSS MB | exit |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const r of results) {
  console.log(
    `| ${r.profile} | ${r.label} | ${r.mb} | ${r.packets} | ${r.seconds.toFixed(2)} | ${r.cpu.toFixed(2)} | ${r.mbPerS.toFixed(0)} | ${Math.round(r.packetsPerS)} | ${r.peakRssMb.toFixed(0)} | ${r.status} |`,
  );
}
if (runs > 1) console.log(`(median of ${runs} runs each, msnsniff and tshark taking turns; peak RSS: the highest of the runs)`);
for (const profile of profiles) {
  const ours = results.find((r) => r.profile === profile && r.mb === targetMb && r.label === 'msnsniff');
  const theirs = results.find((r) => r.profile === profile && r.label.startsWith('tshark'));
  if (ours && theirs) console.log(`${profile}: throughput ratio msnsniff / tshark ${(ours.mbPerS / theirs.mbPerS).toFixed(1)}×`);
}
if (!tsharkInstalled) console.log('\n(tshark not installed: apt-get install tshark to compare)');
