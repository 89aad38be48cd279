import { readFileSync } from 'node:fs';
import { it } from 'vitest';
import { Conversation, buildCapture, mergeConversations } from '../support/capture-builder.js';
import { runAnalysis } from '../support/run-analysis.js';

const tv = JSON.parse(readFileSync('/work/shared/protocol/testvectors.json', 'utf8')) as { messages: { example: string; dir: string; server: string; b64: string }[] };
it('scratch', async () => {
  const ns = new Conversation({ client: '10.0.0.2:50000', server: '10.0.0.1:1863' }).handshake();
  for (const m of tv.messages.filter((m) => m.example === 'msnp8-login' && m.server === 'NS')) {
    const b = Buffer.from(m.b64, 'base64');
    if (m.dir === 'C>S') ns.client(b, { mss: 100 }); else ns.server(b, { mss: 100 });
  }
  ns.close();
  const { text } = await runAnalysis(buildCapture(ns.segments, { link: 'ethernet', format: 'pcapng' }), { format: 'ndjson', ports: [1863] });
  console.log(text);
});
