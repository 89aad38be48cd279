// Request ↔ reply matching by transaction ID on one connection: every server line that echoes a
// client TrID is attached to its request (with the latency); TrID reuse, replies without a request and
// requests that never got an answer become diagnostics.

import type { Diagnostic } from '../diag.js';
import type { MsnpCommand } from '../msnp/command.js';
import { isErrorVerb } from '../msnp/commands.js';

export interface RequestRef {
  verb: string;
  trId: number;
  packet: number;
  tsMicros: number;
}

export interface ReplyMatch {
  request: RequestRef;
  /** Time from the request to this reply, in microseconds of capture time. */
  latencyMicros: number;
  /** True for the first reply line to this request (later lines: IRO…, LST…). */
  first: boolean;
}

interface Pending extends RequestRef {
  replies: number;
}

/**
 * Client commands that are not answered by a line with their TrID, so silence is normal: `MSG U`
 * (never acknowledged), `MSG N` (NAK only on failure). Everything else that carries a TrID expects one.
 */
function expectsReply(cmd: MsnpCommand): boolean {
  if (cmd.verb === 'MSG') return cmd.args[1] === 'A' || cmd.args[1] === 'D';
  return true;
}

/**
 * How many answered (or unawaited) requests are remembered per connection, for late extra reply lines
 * (ILN after CHG, LST after SYN) and a late NAK. Those come within a few requests (on a switchboard every
 * typing notification, MSG U, takes a place too, and a NAK comes within milliseconds). The bound is per
 * connection, so it is what a long capture with thousands of open connections holds.
 */
const MAX_ANSWERED = 32;
/** Bound on outstanding requests per connection; the oldest is forgotten beyond it. */
const MAX_PENDING = 1024;
/** Numbers kept per answered request: trId, packet, tsMicros, replies. */
const FIELDS = 4;

/**
 * The last MAX_ANSWERED distinct answered requests of a connection, in one flat circular array rather
 * than a Map of objects: about half the heap (2000 connections with full lists: 3.8 MB against 7–9 MB),
 * and ~16 MB less peak RSS on the 300 MB chat benchmark. Allocated on first use. Slot i holds trId,
 * packet, tsMicros and replies at 4i…4i+3; a forgotten entry's trId becomes NaN, which matches nothing,
 * and such holes are squeezed out when the array is full, so a reused TrID takes one place, not one per use.
 */
class AnsweredList {
  private numbers: Float64Array | null = null;
  private readonly verbs: string[] = [];
  /** Slot of the oldest entry, entries in use (holes included), holes among them. */
  private head = 0;
  private count = 0;
  private holes = 0;

  /** Remembers `req` as the newest entry; an older entry with its TrID is dropped, the oldest beyond the bound. */
  add(req: Pending): void {
    this.forget(req.trId);
    if (this.count === MAX_ANSWERED) {
      if (this.holes > 0) this.squeeze();
      else this.dropOldest();
    }
    const n = (this.numbers ??= new Float64Array(MAX_ANSWERED * FIELDS).fill(NaN));
    const slot = (this.head + this.count) % MAX_ANSWERED;
    const at = slot * FIELDS;
    n[at] = req.trId;
    n[at + 1] = req.packet;
    n[at + 2] = req.tsMicros;
    n[at + 3] = req.replies;
    this.verbs[slot] = req.verb;
    this.count++;
  }

  forget(trId: number): void {
    const slot = this.find(trId);
    if (slot < 0) return;
    (this.numbers as Float64Array)[slot * FIELDS] = NaN;
    this.holes++;
  }

  /** The remembered request with this TrID, its reply count raised by one; null when none is. */
  reply(trId: number): Pending | null {
    const slot = this.find(trId);
    if (slot < 0) return null;
    const n = this.numbers as Float64Array;
    const at = slot * FIELDS;
    const replies = (n[at + 3] as number) + 1;
    n[at + 3] = replies;
    return { verb: this.verbs[slot] as string, trId, packet: n[at + 1] as number, tsMicros: n[at + 2] as number, replies };
  }

  /** The slot holding `trId` (live TrIDs are unique, and holes and unused slots are NaN), or -1. */
  private find(trId: number): number {
    const n = this.numbers;
    if (n === null) return -1;
    for (let slot = 0; slot < MAX_ANSWERED; slot++) if (n[slot * FIELDS] === trId) return slot;
    return -1;
  }

  private dropOldest(): void {
    this.head = (this.head + 1) % MAX_ANSWERED;
    this.count--;
  }

  /** Moves the live entries, oldest first, to the start of the array (only when full and holed). */
  private squeeze(): void {
    const n = this.numbers as Float64Array;
    const live = new Float64Array(MAX_ANSWERED * FIELDS).fill(NaN);
    const verbs: string[] = [];
    let kept = 0;
    for (let k = 0; k < this.count; k++) {
      const slot = (this.head + k) % MAX_ANSWERED;
      if (Number.isNaN(n[slot * FIELDS])) continue;
      live.set(n.subarray(slot * FIELDS, slot * FIELDS + FIELDS), kept * FIELDS);
      verbs.push(this.verbs[slot] as string);
      kept++;
    }
    n.set(live);
    this.verbs.length = 0;
    this.verbs.push(...verbs);
    this.head = 0;
    this.count = kept;
    this.holes = 0;
  }
}

export class TransactionTracker {
  private readonly pending = new Map<number, Pending>();
  private readonly answered = new AnsweredList();
  private lastClientTrId = -1;

  constructor(
    private readonly report: (d: Omit<Diagnostic, 'conn'>) => void,
    /** Joined mid-stream: replies to requests made before the capture started are expected, not odd. */
    private readonly midStream: boolean,
  ) {}

  /** A client command: remember it when it carries a TrID. */
  request(cmd: MsnpCommand): void {
    const trId = cmd.trId;
    if (trId === null) return;
    const open = this.pending.get(trId);
    if (open !== undefined) {
      this.report({
        code: 'msnp.trid_reuse',
        severity: 'warning',
        message: `TrID ${trId} reused by ${cmd.verb} while ${open.verb} (#${open.packet}) is still unanswered`,
        packet: cmd.packet,
        dir: 'c2s',
        details: { trId, verb: cmd.verb, previousVerb: open.verb, previousPacket: open.packet },
      });
    } else if (trId <= this.lastClientTrId && trId !== 0) {
      this.report({
        code: 'msnp.trid_order',
        severity: 'info',
        message: `TrID ${trId} of ${cmd.verb} is not above the previous client TrID ${this.lastClientTrId}`,
        packet: cmd.packet,
        dir: 'c2s',
        details: { trId, previous: this.lastClientTrId, verb: cmd.verb },
      });
    }
    this.lastClientTrId = Math.max(this.lastClientTrId, trId);
    const entry: Pending = { verb: cmd.verb, trId, packet: cmd.packet, tsMicros: cmd.tsMicros, replies: 0 };
    if (!expectsReply(cmd)) {
      // Not awaited, but a NAK may still come: keep it where replies find it without listing it as unanswered.
      this.answered.add(entry);
      return;
    }
    if (this.pending.size >= MAX_PENDING) {
      const oldest = this.pending.keys().next().value;
      if (oldest !== undefined) this.pending.delete(oldest);
    }
    this.answered.forget(trId);
    this.pending.set(trId, entry);
  }

  /** A server line with a TrID: the request it answers, or null (server-initiated TrID 0, unknown). */
  reply(cmd: MsnpCommand): ReplyMatch | null {
    const trId = cmd.trId;
    if (trId === null) return null;
    let req = this.pending.get(trId) ?? null;
    if (req !== null) {
      this.pending.delete(trId);
      req.replies++;
      this.answered.add(req);
    } else {
      req = this.answered.reply(trId);
    }
    if (req === null) {
      // TrID 0 marks server-initiated lines (CHL 0, ADD 0 RL, SBS 0 …); a mid-stream capture lacks old requests.
      if (trId !== 0 && !this.midStream) {
        this.report({
          code: 'msnp.reply_without_request',
          severity: isErrorVerb(cmd.verb) ? 'warning' : 'info',
          message: `${cmd.verb} ${trId} answers no request seen on this connection`,
          packet: cmd.packet,
          dir: 's2c',
          details: { trId, verb: cmd.verb },
        });
      }
      return null;
    }
    // A RequestRef with a reply count: replyOf copies the fields it reports.
    return { request: req, latencyMicros: cmd.tsMicros - req.tsMicros, first: req.replies === 1 };
  }

  /** Requests still waiting for an answer when the connection ended. */
  unanswered(): RequestRef[] {
    return [...this.pending.values()].map((r) => ({ verb: r.verb, trId: r.trId, packet: r.packet, tsMicros: r.tsMicros }));
  }
}
