// Live capture with the filter built from --port: a switchboard announced on another port is called out,
// since the filter keeps all of its traffic away (Escargot's switchboards listen on 1864).

import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { eventsOf, runAnalysis } from '../support/run-analysis.js';

const capture = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../shared/corpus/escargot-loopback/escargot2017-server_scripted-client_msnp7-md5_ns+sb.pcap');

async function filtered(capturedPorts: number[] | undefined) {
  const { text } = await runAnalysis(capture, { ports: [1863], ...(capturedPorts !== undefined && { capturedPorts }) });
  return eventsOf(text, 'diagnostic').filter((d) => d.code === 'capture.port_filtered');
}

describe('capture.port_filtered', () => {
  it('is reported once for a switchboard port the capture filter does not pass, at the first announcement', async () => {
    const { text } = await runAnalysis(capture, { ports: [1863] });
    // The capture announces switchboards on 1864 by XFR (alice) and by RNG (bob).
    const xfr = eventsOf(text, 'command').find((c) => c.verb === 'XFR' && c.dir === 's2c');
    expect(xfr).toBeDefined();
    const diags = await filtered([1863]);
    expect(diags).toEqual([
      expect.objectContaining({
        severity: 'warning',
        packet: xfr!.packet,
        conn: xfr!.conn,
        details: { host: 'm1.escargot.log1p.xyz', port: 1864, via: 'XFR', capturedPorts: '1863' },
      }),
    ]);
    expect(diags[0]!.message).toContain('--port 1863,1864');
  });

  it('is not reported when the filter passes the port, or when there is no such filter (read, -f)', async () => {
    expect(await filtered([1863, 1864])).toEqual([]);
    expect(await filtered(undefined)).toEqual([]);
  });
});
