// What every capture source (file, stdin, live interface) yields: one captured frame.

export interface RawPacket {
  /** 1-based frame number, as Wireshark numbers frames. */
  index: number;
  /** Capture time in microseconds since the Unix epoch (nanosecond sources are truncated to µs). */
  tsMicros: number;
  /** LINKTYPE_* / DLT number of the interface the frame came from. */
  linkType: number;
  /**
   * Captured bytes: a view into the reader's block, valid until the next batch is asked for (file blocks
   * are read into again): copy what must outlive the batch.
   */
  data: Uint8Array;
  /** Length of the frame on the wire; > data.length when the capture cut it (snaplen). */
  origLen: number;
}

/**
 * What a source yields: packets in capture order. A live source may yield an empty batch carrying the
 * current time when nothing arrived, so that time-based limits (hole and idle timeouts) still run.
 */
export type PacketBatch = RawPacket[] & { nowMicros?: number };

/** Link types msnsniff knows by name (LINKTYPE_* numbers from tcpdump.org). */
export const LinkType = {
  NULL: 0,
  ETHERNET: 1,
  RAW: 101,
  LINUX_SLL: 113,
  LOOP: 108,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;
