// What every capture source (file, stdin, live interface) yields: one captured frame.

export interface RawPacket {
  /** 1-based frame number, as Wireshark numbers frames. */
  index: number;
  /**
   * Capture time in microseconds since the Unix epoch (nanosecond sources are truncated to µs); always
   * within years 0000–9999 (see isWritableTime), which the readers make sure of.
   */
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

/**
 * Link types msnsniff knows by name: LINKTYPE_* numbers from tcpdump.org, plus the DLT_RAW values that
 * differ from LINKTYPE_RAW and still turn up in files.
 */
export const LinkType = {
  /** BSD loopback: 4-byte address family in the capturing host's byte order. */
  NULL: 0,
  ETHERNET: 1,
  /** DLT_RAW on most BSDs and in old libpcap files (raw IP). */
  RAW_BSD: 12,
  /** DLT_RAW on OpenBSD (raw IP). */
  RAW_OPENBSD: 14,
  /** Raw IP, version from the header's first nibble. */
  RAW: 101,
  /** 802.11 without a radio header (cap names it; the decoder does not read it). */
  IEEE802_11: 105,
  /** OpenBSD loopback: address family in network byte order. */
  LOOP: 108,
  /** Linux cooked capture v1: 16-byte header. */
  LINUX_SLL: 113,
  /** 802.11 with a radiotap header (cap names it; the decoder does not read it). */
  IEEE802_11_RADIO: 127,
  IPV4: 228,
  IPV6: 229,
  /** Linux cooked capture v2: 20-byte header. */
  LINUX_SLL2: 276,
} as const;

/** 0000-01-01T00:00:00Z and 10000-01-01T00:00:00Z in µs: the times ISO-8601 (and so the reporters) can write. */
const FIRST_WRITABLE_MICROS = -62_167_219_200e6;
const END_WRITABLE_MICROS = 253_402_300_800e6;

/**
 * Whether a timestamp is a time the reporters can write. A pcapng clock can reach ~1.8e25 µs (a damaged
 * timestamp, resolution or offset), far past what a Date holds; classic pcap stops in 2106.
 */
export function isWritableTime(tsMicros: number): boolean {
  return tsMicros >= FIRST_WRITABLE_MICROS && tsMicros < END_WRITABLE_MICROS;
}
