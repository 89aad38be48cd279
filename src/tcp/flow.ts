// Which connection a segment belongs to: a table of flows found from either direction of their 4-tuple, and
// an activity list (least recently active first) that idle sweeps and eviction walk from the cold end.

/**
 * Flows by 4-tuple. Each flow is filed under both directions, so a lookup needs neither a canonical order of
 * the two ends nor a string key built per packet: three Map lookups on the strings and numbers the decoder
 * already made (several times faster than concatenating a key, which also feeds the garbage collector).
 */
export class FlowTable<T> {
  private readonly bySrc = new Map<string, Map<string, Map<number, T>>>();
  /**
   * A direct-mapped cache of recent lookups in front of the Maps, slot by port pair: with 2000 interleaved
   * connections the three Map lookups took ~4% of a run (235 ms of 100 MB of the `chat` benchmark), the
   * cache about half that. A hit costs a port and two address comparisons (the decoder hands out the same
   * address strings, so those are mostly pointer comparisons). A slot whose tuple changes is cleared.
   */
  private readonly cacheSrcAddr: Array<string | null> = new Array<string | null>(CACHE_SLOTS).fill(null);
  private readonly cacheDstAddr: Array<string | null> = new Array<string | null>(CACHE_SLOTS).fill(null);
  private readonly cachePorts = new Int32Array(CACHE_SLOTS);
  private readonly cacheValue: Array<T | undefined> = new Array<T | undefined>(CACHE_SLOTS).fill(undefined);

  get(srcAddr: string, srcPort: number, dstAddr: string, dstPort: number): T | undefined {
    const ports = portPair(srcPort, dstPort);
    const slot = cacheSlot(ports);
    if (this.cachePorts[slot] === ports && this.cacheSrcAddr[slot] === srcAddr && this.cacheDstAddr[slot] === dstAddr) {
      return this.cacheValue[slot];
    }
    const byDst = this.bySrc.get(srcAddr);
    if (byDst === undefined) return undefined;
    const byPorts = byDst.get(dstAddr);
    if (byPorts === undefined) return undefined;
    const value = byPorts.get(ports);
    if (value !== undefined) {
      this.cachePorts[slot] = ports;
      this.cacheSrcAddr[slot] = srcAddr;
      this.cacheDstAddr[slot] = dstAddr;
      this.cacheValue[slot] = value;
    }
    return value;
  }

  /** Files `value` under both directions of the 4-tuple, replacing what was there. */
  set(aAddr: string, aPort: number, bAddr: string, bPort: number, value: T): void {
    this.put(aAddr, aPort, bAddr, bPort, value);
    this.put(bAddr, bPort, aAddr, aPort, value);
  }

  delete(aAddr: string, aPort: number, bAddr: string, bPort: number): void {
    this.remove(aAddr, aPort, bAddr, bPort);
    this.remove(bAddr, bPort, aAddr, aPort);
  }

  clear(): void {
    this.bySrc.clear();
    this.cacheSrcAddr.fill(null);
    this.cacheDstAddr.fill(null);
    this.cacheValue.fill(undefined);
  }

  private put(srcAddr: string, srcPort: number, dstAddr: string, dstPort: number, value: T): void {
    this.uncache(srcAddr, srcPort, dstAddr, dstPort);
    let byDst = this.bySrc.get(srcAddr);
    if (byDst === undefined) this.bySrc.set(srcAddr, (byDst = new Map()));
    let byPorts = byDst.get(dstAddr);
    if (byPorts === undefined) byDst.set(dstAddr, (byPorts = new Map()));
    byPorts.set(portPair(srcPort, dstPort), value);
  }

  private remove(srcAddr: string, srcPort: number, dstAddr: string, dstPort: number): void {
    this.uncache(srcAddr, srcPort, dstAddr, dstPort);
    const byDst = this.bySrc.get(srcAddr);
    const byPorts = byDst?.get(dstAddr);
    if (byDst === undefined || byPorts === undefined) return;
    byPorts.delete(portPair(srcPort, dstPort));
    // Prune empty levels, or a long capture with many short connections would grow the table forever.
    if (byPorts.size === 0) byDst.delete(dstAddr);
    if (byDst.size === 0) this.bySrc.delete(srcAddr);
  }

  private uncache(srcAddr: string, srcPort: number, dstAddr: string, dstPort: number): void {
    const ports = portPair(srcPort, dstPort);
    const slot = cacheSlot(ports);
    if (this.cachePorts[slot] === ports && this.cacheSrcAddr[slot] === srcAddr && this.cacheDstAddr[slot] === dstAddr) {
      this.cacheSrcAddr[slot] = null;
      this.cacheDstAddr[slot] = null;
      this.cacheValue[slot] = undefined;
    }
  }
}

const CACHE_SLOTS = 8192;

/** Spreads both ports over the slots (a multiplicative hash: client ports are often consecutive). */
function cacheSlot(ports: number): number {
  return Math.imul(ports, 0x9e3779b1) >>> 19;
}

/**
 * Both 16-bit ports in one exact number: a signed 32-bit integer, which V8 keeps as a small integer (Smi);
 * `srcPort * 65536 + dstPort` passes 2^31 for every ephemeral source port and becomes a heap number.
 */
function portPair(srcPort: number, dstPort: number): number {
  return (srcPort << 16) | dstPort;
}

/** Links a node carries so it can sit in one ActivityList without a wrapper allocation per touch. */
export interface ActivityNode {
  activityPrev: ActivityNode | null;
  activityNext: ActivityNode | null;
  activityList: ActivityList<ActivityNode> | null;
}

/**
 * Intrusive doubly linked list ordered by last activity: touch() moves a node to the warm end in O(1), so
 * the coldest node is always at the head. A node is in at most one list at a time.
 */
export class ActivityList<T extends ActivityNode> {
  private head: T | null = null;
  private tail: T | null = null;
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The least recently touched node. */
  get coldest(): T | null {
    return this.head;
  }

  /** Appends the node at the warm end, taking it out of whatever list held it. */
  touch(node: T): void {
    const self = this as ActivityList<ActivityNode>;
    if (node.activityList === self) {
      if (this.tail === node) return;
      this.unlink(node);
    } else if (node.activityList !== null) {
      node.activityList.remove(node);
    }
    node.activityPrev = this.tail;
    node.activityNext = null;
    if (this.tail === null) this.head = node;
    else this.tail.activityNext = node;
    this.tail = node;
    node.activityList = self;
    this.count++;
  }

  remove(node: T): void {
    if (node.activityList !== (this as ActivityList<ActivityNode>)) return;
    this.unlink(node);
    node.activityPrev = null;
    node.activityNext = null;
    node.activityList = null;
  }

  /** The nodes, coldest first. */
  toArray(): T[] {
    const out: T[] = [];
    for (let n = this.head; n !== null; n = n.activityNext as T | null) out.push(n);
    return out;
  }

  private unlink(node: T): void {
    const prev = node.activityPrev as T | null;
    const next = node.activityNext as T | null;
    if (prev === null) this.head = next;
    else prev.activityNext = next;
    if (next === null) this.tail = prev;
    else next.activityPrev = prev;
    this.count--;
  }
}
