// The one error vocabulary of msnsniff: every stage reports anomalies in traffic as Diagnostics,
// never as exceptions. Codes are dotted and stable (`pcap.truncated_record`, `tcp.gap`, `msnp.bad_length`).

export type Severity = 'info' | 'warning' | 'error';
export type Direction = 'c2s' | 's2c';

export interface Diagnostic {
  code: string;
  severity: Severity;
  message: string;
  /** 1-based number of the packet the anomaly was seen in (0 when not tied to a packet). */
  packet: number;
  /** Microseconds since the Unix epoch, when known. */
  tsMicros?: number;
  /** Connection id (see tcp/reassembler.ts) when the anomaly belongs to a connection. */
  conn?: number;
  dir?: Direction;
  /** Extra machine-readable facts (byte counts, offsets, verbs). */
  details?: Record<string, string | number | boolean | null>;
}

export type DiagnosticSink = (d: Diagnostic) => void;
