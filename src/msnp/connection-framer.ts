// Frames both directions of one TCP connection and gives the verdict on whether it carried MSNP at all.

import type { Diagnostic, DiagnosticSink, Direction } from '../diag.js';
import type { Connection } from '../tcp/stream.js';
import type { FramerOutput } from './command.js';
import { BodyBudget, DEFAULT_FRAMER_LIMITS, DirectionFramer, type ConnectionState, type FramerLimits } from './framer.js';

export class ConnectionFramer {
  private readonly state: ConnectionState;
  private readonly c2s: DirectionFramer;
  private readonly s2c: DirectionFramer;
  private finished = false;

  constructor(conn: Connection, out: FramerOutput, diag: DiagnosticSink, limits: FramerLimits = DEFAULT_FRAMER_LIMITS, budget = new BodyBudget(Infinity)) {
    this.state = {
      conn,
      dialect: null,
      confirmed: false,
      report: (d: Omit<Diagnostic, 'conn'>) => diag({ ...d, conn: conn.id }),
    };
    this.c2s = new DirectionFramer(this.state, 'c2s', out, limits, budget);
    this.s2c = new DirectionFramer(this.state, 's2c', out, limits, budget);
  }

  get dialect(): number | null {
    return this.state.dialect;
  }

  /** A switchboard inherits the dialect of the NS session that announced it (it has no VER). */
  setDialect(dialect: number): void {
    this.state.dialect ??= dialect;
  }

  get isMsnp(): boolean {
    return this.state.confirmed;
  }

  get commands(): number {
    return this.c2s.commands + this.s2c.commands;
  }

  push(dir: Direction, bytes: Uint8Array, gapBefore: number, packet: number, tsMicros: number): void {
    (dir === 'c2s' ? this.c2s : this.s2c).push(bytes, gapBefore, packet, tsMicros);
  }

  gap(dir: Direction, bytes: number, packet: number): void {
    (dir === 'c2s' ? this.c2s : this.s2c).gap(bytes, packet);
  }

  /** The connection ended: flush both directions and, if nothing framed, say it was not MSNP. */
  finish(packet: number): void {
    if (this.finished) return;
    this.finished = true;
    this.c2s.finish();
    this.s2c.finish();
    const skipped = this.c2s.skippedTotal + this.s2c.skippedTotal;
    if (!this.state.confirmed && skipped > 0) {
      this.state.report({
        code: 'msnp.not_msnp',
        severity: 'info',
        message: `${skipped} bytes on this connection hold no MSNP command (c2s ${this.c2s.skippedTotal}, s2c ${this.s2c.skippedTotal}): not decoded as MSNP`,
        packet,
        details: { c2sBytes: this.c2s.skippedTotal, s2cBytes: this.s2c.skippedTotal },
      });
    }
  }
}
