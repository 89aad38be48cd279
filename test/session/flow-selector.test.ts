// The flow selector's bounded memory of connections not judged yet: which one is given up at the bound,
// and what a FIN or RST before the first bytes does to a connection's judgement.

import { describe, expect, it } from 'vitest';
import { TcpFlag, type TcpSegment } from '../../src/decode/segment.js';
import { FlowSelector } from '../../src/session/flow-selector.js';

let packet = 0;
function seg(clientPort: number, fromClient: boolean, flags: number, seq: number, ack: number, text = '', tsMicros = packet * 1000): TcpSegment {
  packet++;
  const c = { addr: '10.0.0.2', port: clientPort };
  const s = { addr: '10.0.0.1', port: 9999 };
  const [src, dst] = fromClient ? [c, s] : [s, c];
  return { packet, tsMicros, srcAddr: src.addr, srcPort: src.port, dstAddr: dst.addr, dstPort: dst.port, seq, ack, flags, payload: new TextEncoder().encode(text), missingTail: 0 };
}
const SYN = TcpFlag.SYN;
const SYN_ACK = TcpFlag.SYN | TcpFlag.ACK;
const RST_ACK = TcpFlag.RST | TcpFlag.ACK;
const DATA = TcpFlag.ACK | TcpFlag.PSH;
const OPENING = 'VER 1 MSNP8 CVR0\r\n';

describe('FlowSelector', () => {
  it('at the bound gives up the oldest connection still undecided, skipping those already forgotten', () => {
    const sel = new FlowSelector({ ports: [], detect: true, maxUndecided: 2 });
    for (const port of [1, 2]) sel.select(seg(port, true, SYN, 100, 0));
    sel.select(seg(2, false, RST_ACK, 0, 101)); // refused (a port scan): forgotten at once, making room
    sel.select(seg(3, true, SYN, 100, 0));
    expect(sel.select(seg(1, true, DATA, 101, 0, OPENING))).toBe('detected');
    expect(sel.replay.map((s) => s.flags)).toEqual([SYN]); // still there
    for (const port of [4, 5]) sel.select(seg(port, true, SYN, 100, 0)); // 5 is over the bound: 3 goes, not 1 or 2
    expect(sel.select(seg(3, true, DATA, 101, 0, OPENING))).toBe('detected');
    expect(sel.replay).toEqual([]); // its SYN was given up
    expect(sel.select(seg(4, true, DATA, 101, 0, OPENING))).toBe('detected');
    expect(sel.replay.map((s) => s.flags)).toEqual([SYN]);
  });

  it('after an answered handshake, an RST keeps the judgement open for a second of capture time', () => {
    const sel = new FlowSelector({ ports: [], detect: true });
    sel.select(seg(5, true, SYN, 100, 0, '', 0));
    sel.select(seg(5, false, SYN_ACK, 500, 101, '', 10));
    sel.select(seg(5, true, RST_ACK, 101 + OPENING.length, 501, '', 20));
    // The opening line, reordered behind the RST: found, and replayed after the handshake and the RST.
    expect(sel.select(seg(5, true, DATA, 101, 501, OPENING, 30))).toBe('detected');
    expect(sel.replay.map((s) => s.flags)).toEqual([SYN, SYN_ACK, RST_ACK]);

    sel.select(seg(6, true, SYN, 100, 0, '', 0));
    sel.select(seg(6, false, SYN_ACK, 500, 101, '', 10));
    sel.select(seg(6, true, RST_ACK, 101, 501, '', 20));
    // A second and more later it is forgotten: these bytes start nothing it held.
    expect(sel.select(seg(6, true, DATA, 101, 501, OPENING, 1_100_000))).toBe('detected');
    expect(sel.replay).toEqual([]);
  });
});
