// The interface every output format implements, and the end-of-analysis summary they all receive.

import type { Diagnostic, Severity } from '../diag.js';
import type { MsnpCommand } from '../msnp/command.js';
import type { CommandDetails } from '../session/interpreter.js';
import type { DialectSource, Role } from '../session/tracker.js';
import type { RequestRef } from '../session/transactions.js';
import type { Connection } from '../tcp/stream.js';

export type CloseReason = 'fin' | 'rst' | 'idle' | 'end-of-capture' | 'evicted';

export interface ConnectionSummary {
  conn: Connection;
  isMsnp: boolean;
  commands: number;
  dialect: number | null;
  role: Role;
  user: string | null;
  dialectSource: DialectSource | null;
  /** What the commands seen allow, when the dialect was not negotiated in the capture. */
  dialectRange: [number, number];
  /** For a switchboard: the NS connection whose XFR/RNG announced it. */
  announcedBy: { conn: number; packet: number; via: 'XFR' | 'RNG' } | null;
  /** Client requests that never got an answer. */
  unanswered: RequestRef[];
}

export interface Summary {
  packets: number;
  capturedBytes: number;
  firstTsMicros: number | null;
  lastTsMicros: number | null;
  tcpSegments: number;
  tcpConnections: number;
  msnpConnections: number;
  commands: number;
  commandsByVerb: Record<string, number>;
  diagnosticsBySeverity: Record<Severity, number>;
  diagnosticsByCode: Record<string, number>;
  /** Decoder counters (non-IP, non-TCP, unknown link types, malformed, fragments). */
  decode: Record<string, number>;
}

export interface Reporter {
  connectionOpened(conn: Connection, packet: number, tsMicros: number): void;
  command(cmd: MsnpCommand, details: CommandDetails): void;
  diagnostic(d: Diagnostic): void;
  connectionClosed(summary: ConnectionSummary, reason: CloseReason, packet: number, tsMicros: number): void;
  end(summary: Summary): void;
}
