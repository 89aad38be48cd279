// The small language the per-dialect fixtures are written in: protocol units on named connections
// (own lines or exact test-vector bytes), the capture they become, and what the script itself implies.

import { readFileSync } from 'node:fs';
import { Conversation, buildCapture, bytesOf, mergeConversations, type SendOptions } from '../support/capture-builder.js';

export type Dir = 'c2s' | 's2c';

/** One protocol unit: a command line and, for a payload command, exactly its announced body. */
export interface Unit {
  dir: Dir;
  /** The command line without CR LF. */
  line: string;
  /** The body of a payload command (possibly empty), or null for a command without one. */
  payload: Uint8Array | null;
  /** Reference §2.2: lines inside an MSNP8–12 SYN reply have no TrID, even when the first parameter is a number. */
  noTrId: boolean;
  /** Fields the unit's command event must contain (compared with toMatchObject). */
  expect: Record<string, unknown> | null;
}

export type Step = { kind: 'send'; conn: string; units: Unit[]; send: SendOptions } | { kind: 'close'; conn: string; first: Dir };

export interface ConnSpec {
  client: string;
  server: string;
  role: 'DS' | 'NS' | 'SB';
  /** The account the connection belongs to (the handle without network prefix or machine GUID). */
  user: string;
  /** Switchboards: the NS connection whose XFR SB or RNG announced this one. */
  announcedBy?: { conn: string; via: 'XFR' | 'RNG' };
}

export interface Exchange {
  dialect: number;
  /** Where the lines come from: reference sections and test vectors. */
  source: string;
  ports: number[];
  connections: Record<string, ConnSpec>;
  steps: Step[];
}

export interface UnitOptions {
  /** Makes the line a payload command: ` <byte count>` is appended and the body follows. */
  body?: string | Uint8Array;
  send?: SendOptions;
  expect?: Record<string, unknown>;
}

/**
 * The first segment of a switchboard connection is cut after two bytes, so its opening line arrives in
 * pieces (the control run, with detection off, proves the XFR/RNG announcement is what makes it followed).
 */
export const HIDDEN_OPENING: SendOptions = { split: [2] };

function unit(dir: Dir, line: string, opts: UnitOptions): Unit {
  const payload = opts.body === undefined ? null : bytesOf(opts.body);
  return { dir, line: payload === null ? line : `${line} ${payload.length}`, payload, noTrId: false, expect: opts.expect ?? null };
}

/** A client line (a payload command when `opts.body` is given). */
export function c(conn: string, line: string, opts: UnitOptions = {}): Step {
  return { kind: 'send', conn, units: [unit('c2s', line, opts)], send: opts.send ?? {} };
}

/** A server line (a payload command when `opts.body` is given). */
export function s(conn: string, line: string, opts: UnitOptions = {}): Step {
  return { kind: 'send', conn, units: [unit('s2c', line, opts)], send: opts.send ?? {} };
}

/** Several server lines in one TCP segment. */
export function burst(conn: string, lines: readonly string[], expect: Record<number, Record<string, unknown>> = {}): Step {
  return { kind: 'send', conn, units: lines.map((l, i) => ({ ...unit('s2c', l, {}), expect: expect[i] ?? null })), send: {} };
}

/** An MSNP8–12 SYN reply's list lines, in one segment; they carry no TrID (reference §3.3). */
export function synList(conn: string, lines: readonly string[], expect: Record<number, Record<string, unknown>> = {}): Step {
  const step = burst(conn, lines, expect);
  if (step.kind === 'send') for (const u of step.units) u.noTrId = true;
  return step;
}

/** The connection ends: FIN from `first`, then from the other side. */
export function close(conn: string, first: Dir = 'c2s'): Step {
  return { kind: 'close', conn, first };
}

// --- test vectors ----------------------------------------------------------------------------------------

interface VectorMessage {
  example: string;
  dir: 'C>S' | 'S>C';
  server: string;
  len: number;
  first_line: string;
  b64: string;
}

interface Vectors {
  messages: VectorMessage[];
  challenges: { algo: string; challenge: string; product_id: string; product_key: string; response: string }[];
}

export const VECTORS = JSON.parse(readFileSync(new URL('../../../shared/protocol/testvectors.json', import.meta.url), 'utf8')) as Vectors;

/** The exact bytes of the one message of `example` sent in `dir` whose first line starts with `prefix`. */
export function vectorUnit(example: string, dir: Dir, prefix: string): Unit {
  const want = dir === 'c2s' ? 'C>S' : 'S>C';
  const found = VECTORS.messages.filter((m) => m.example === example && m.dir === want && m.first_line.startsWith(prefix));
  const m = found[0];
  if (m === undefined || found.length !== 1) throw new Error(`test vector ${example} ${want} "${prefix}…": ${found.length} matches`);
  const bytes = Buffer.from(m.b64, 'base64');
  if (bytes.length !== m.len) throw new Error(`test vector ${example} "${prefix}…" is ${bytes.length} bytes, says ${m.len}`);
  const eol = bytes.indexOf('\r\n');
  const line = bytes.subarray(0, eol).toString('utf8');
  const rest = new Uint8Array(bytes.subarray(eol + 2));
  // A body follows exactly when bytes remain; `UUX 12 0` is the one vector with an empty body (reference §2.4.2).
  const emptyBody = /^UUX \d+ 0$/.test(line);
  return { dir, line, payload: rest.length > 0 || emptyBody ? rest : null, noTrId: false, expect: null };
}

export interface VectorOptions {
  send?: SendOptions;
  expect?: Record<string, unknown>;
  noTrId?: boolean;
}

function vectorStep(conn: string, dir: Dir, example: string, prefix: string, opts: VectorOptions): Step {
  const u = vectorUnit(example, dir, prefix);
  if (opts.expect !== undefined) u.expect = opts.expect;
  if (opts.noTrId === true) u.noTrId = true;
  return { kind: 'send', conn, units: [u], send: opts.send ?? {} };
}

/** A client test-vector message, exact bytes. */
export function vc(conn: string, example: string, prefix: string, opts: VectorOptions = {}): Step {
  return vectorStep(conn, 'c2s', example, prefix, opts);
}

/** A server test-vector message, exact bytes. */
export function vs(conn: string, example: string, prefix: string, opts: VectorOptions = {}): Step {
  return vectorStep(conn, 's2c', example, prefix, opts);
}

/** A switchboard relaying a client's test-vector MSG to another participant: same body, `MSG handle friendly len`. */
export function relay(conn: string, example: string, prefix: string, sender: string, opts: { send?: SendOptions; expect?: Record<string, unknown> } = {}): Step {
  const u = vectorUnit(example, 'c2s', prefix);
  if (u.payload === null || !u.line.startsWith('MSG ')) throw new Error(`relay of "${u.line}": not a MSG`);
  return s(conn, `MSG ${sender}`, { body: u.payload, ...opts });
}

// --- message bodies (reference §6, §7) -------------------------------------------------------------------

export function textBody(text: string, font = 'FN=Arial; EF=; CO=0; CS=0; PF=22'): string {
  return `MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nX-MMS-IM-Format: ${font}\r\n\r\n${text}`;
}

export function typingBody(user: string): string {
  return `MIME-Version: 1.0\r\nContent-Type: text/x-msmsgscontrol\r\nTypingUser: ${user}\r\n\r\n\r\n`;
}

/** A chat line (MSG) whose event must decode to exactly `text`, cut into segments of `mss` bytes. */
export function chat(conn: string, dir: Dir, line: string, text: string, mss = 7): Step {
  const opts = { body: textBody(text), send: { mss }, expect: { message: { kind: 'text', text } } };
  return dir === 'c2s' ? c(conn, line, opts) : s(conn, line, opts);
}

/** A typing notification (MSG … U) naming `user`. */
export function typing(conn: string, dir: Dir, line: string, user: string): Step {
  const opts = { body: typingBody(user), expect: { message: { kind: 'typing', typingUser: user } } };
  return dir === 'c2s' ? c(conn, line, opts) : s(conn, line, opts);
}

/** MSNP18+/21 multi-part payload (reference §7): header blocks, then the body with its Content-Length. */
export function multipart(blocks: readonly (readonly string[])[], contentHeaders: readonly string[], body: string): string {
  const length = Buffer.byteLength(body, 'utf8');
  const head = [...blocks.map((b) => `${b.join('\r\n')}\r\n\r\n`), `${[...contentHeaders, `Content-Length: ${length}`].join('\r\n')}\r\n\r\n`];
  return head.join('') + body;
}

// --- what the script implies ------------------------------------------------------------------------------

/** Reference §2.2: client commands sent without a TrID. */
const CLIENT_NO_TRID = new Set(['PNG', 'OUT']);
/** Reference §2.2: server-initiated lines that never carry a TrID. */
const SERVER_NO_TRID = new Set(['NLN', 'FLN', 'RNG', 'MSG', 'NOT', 'IPG', 'UBX', 'UBN', 'UBM', 'NFY', 'QNG', 'OUT', 'JOI', 'BYE', 'BPR']);

export interface ExpectedCommand {
  conn: string;
  dir: Dir;
  verb: string;
  args: string[];
  trId: number | null;
  payloadLength: number | null;
  payload: Uint8Array | null;
  /** The client request a server line answers (same TrID, earlier on the same connection). */
  request: { verb: string; trId: number } | null;
  /** The unit was cut into several TCP segments (its event must name an earlier `firstPacket`). */
  spansSegments: boolean;
  expect: Record<string, unknown> | null;
}

function spansSegments(step: Extract<Step, { kind: 'send' }>): boolean {
  const size = step.units.reduce((n, u) => n + encodeUnit(u).length, 0);
  const { mss, split = [] } = step.send;
  return step.units.length === 1 && ((mss !== undefined && size > mss) || split.some((at) => at > 0 && at < size));
}

function tokens(line: string): string[] {
  return line.split(' ').filter((t) => t.length > 0);
}

function trIdOf(u: Unit, verb: string, args: readonly string[]): number | null {
  const first = args[0];
  const numeric = first !== undefined && /^\d+$/.test(first) ? Number(first) : null;
  if (u.dir === 'c2s') return CLIENT_NO_TRID.has(verb) ? null : numeric;
  if (u.noTrId || SERVER_NO_TRID.has(verb)) return null;
  return numeric;
}

/** Every unit of the script as the command event it must become, in capture order. */
export function expectedCommands(x: Exchange): ExpectedCommand[] {
  const out: ExpectedCommand[] = [];
  for (const step of x.steps) {
    if (step.kind !== 'send') continue;
    for (const u of step.units) {
      const [verb = '', ...args] = tokens(u.line);
      const trId = trIdOf(u, verb, args);
      let request: ExpectedCommand['request'] = null;
      if (u.dir === 's2c' && trId !== null && trId !== 0) {
        const req = [...out].reverse().find((e) => e.conn === step.conn && e.dir === 'c2s' && e.trId === trId);
        if (req === undefined) throw new Error(`script: "${u.line}" on ${step.conn} answers no request`);
        request = { verb: req.verb, trId };
      }
      out.push({
        conn: step.conn,
        dir: u.dir,
        verb,
        args,
        trId,
        payloadLength: u.payload?.length ?? null,
        payload: u.payload,
        request,
        spansSegments: spansSegments(step),
        expect: u.expect,
      });
    }
  }
  return out;
}

/** Requests left without a line echoing their TrID (MSG U and MSG N get none by design, reference §3.6). */
export function expectedUnanswered(cmds: readonly ExpectedCommand[], conn: string): { verb: string; trId: number }[] {
  const mine = cmds.filter((e) => e.conn === conn);
  const out: { verb: string; trId: number }[] = [];
  mine.forEach((e, i) => {
    if (e.dir !== 'c2s' || e.trId === null) return;
    if (e.verb === 'MSG' && (e.args[1] === 'U' || e.args[1] === 'N')) return;
    if (mine.slice(i + 1).some((r) => r.dir === 's2c' && r.trId === e.trId)) return;
    out.push({ verb: e.verb, trId: e.trId });
  });
  return out;
}

// --- capture ----------------------------------------------------------------------------------------------

const START_MICROS = Date.UTC(2006, 5, 1, 12, 0, 0) * 1000;
const STEP_MICROS = 1000;

/**
 * The exchange as pcapng bytes. Every connection opens (SYN) at its first step and closes at its close
 * step, or at the end in reverse order of opening; one clock runs across all connections so capture
 * order is script order.
 */
export function buildExchange(x: Exchange): Uint8Array {
  const convs = new Map<string, Conversation>();
  const closed = new Set<string>();
  let clock = START_MICROS;
  const conversation = (name: string): Conversation => {
    let conv = convs.get(name);
    const spec = x.connections[name];
    if (spec === undefined) throw new Error(`script: no connection "${name}"`);
    if (closed.has(name)) throw new Error(`script: connection "${name}" is closed`);
    if (conv === undefined) {
      conv = new Conversation({ client: spec.client, server: spec.server, startMicros: clock, stepMicros: STEP_MICROS });
      conv.handshake();
      convs.set(name, conv);
    } else {
      const next = conv.last.tsMicros + STEP_MICROS;
      if (clock > next) conv.wait(clock - next);
    }
    return conv;
  };
  for (const step of x.steps) {
    const conv = conversation(step.conn);
    if (step.kind === 'close') {
      conv.close(step.first);
      closed.add(step.conn);
    } else {
      const dir = step.units[0]?.dir ?? 'c2s';
      if (step.units.some((u) => u.dir !== dir)) throw new Error('script: one step sends in one direction');
      conv.send(dir, Buffer.concat(step.units.map(encodeUnit)), step.send);
    }
    clock = conv.last.tsMicros + STEP_MICROS;
  }
  for (const [name, conv] of [...convs].reverse()) {
    if (closed.has(name)) continue;
    const next = conv.last.tsMicros + STEP_MICROS;
    if (clock > next) conv.wait(clock - next);
    conv.close();
    clock = conv.last.tsMicros + STEP_MICROS;
  }
  return buildCapture(mergeConversations([...convs.values()]), { link: 'ethernet', format: 'pcapng' });
}

export function encodeUnit(u: Unit): Buffer {
  return Buffer.concat([Buffer.from(`${u.line}\r\n`, 'utf8'), u.payload ?? Buffer.alloc(0)]);
}

/** The same exchange without the steps `drop` selects (for control runs). */
export function withoutSteps(x: Exchange, drop: (u: Unit, conn: string) => boolean): Exchange {
  const steps: Step[] = [];
  for (const step of x.steps) {
    if (step.kind !== 'send') {
      steps.push(step);
      continue;
    }
    const units = step.units.filter((u) => !drop(u, step.conn));
    if (units.length > 0) steps.push({ ...step, units });
  }
  return { ...x, steps };
}

/** The same exchange with each unit passed through `edit` (a copy; the original is untouched). */
export function mapUnits(x: Exchange, edit: (u: Unit, conn: string) => Unit): Exchange {
  return { ...x, steps: x.steps.map((step) => (step.kind === 'send' ? { ...step, units: step.units.map((u) => edit({ ...u }, step.conn)) } : step)) };
}
