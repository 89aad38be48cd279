// Runs the real pipeline in-process on a capture (file path or bytes) and returns the text a reporter wrote.

import { Readable, Writable } from 'node:stream';
import { readCapture, type ReadCaptureOptions } from '../../src/capture/source.js';
import { analyze } from '../../src/pipeline.js';
import { NdjsonReporter, type PayloadMode } from '../../src/report/ndjson.js';
import { TextOutput } from '../../src/report/output.js';
import type { Summary } from '../../src/report/reporter.js';
import { StatsReporter } from '../../src/report/stats.js';
import { TranscriptReporter } from '../../src/report/transcript.js';

export interface AnalysisResult {
  text: string;
  summary: Summary;
}

export async function runAnalysis(
  input: string | Uint8Array,
  opts: { format?: 'ndjson' | 'transcript' | 'stats'; ports?: number[]; detect?: boolean; read?: ReadCaptureOptions; payload?: PayloadMode; capturedPorts?: number[] } = {},
): Promise<AnalysisResult> {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString('utf8'));
      cb();
    },
  });
  const output = new TextOutput(sink);
  const reporter = opts.format === 'transcript' ? new TranscriptReporter(output) : opts.format === 'stats' ? new StatsReporter(output) : new NdjsonReporter(output, { payload: opts.payload ?? 'auto' });
  const source = typeof input === 'string' ? input : Readable.from([Buffer.from(input)]);
  const summary = await analyze((diag) => readCapture(source, diag, opts.read), reporter, { ports: opts.ports ?? [1863], ...(opts.detect !== undefined && { detect: opts.detect }), ...(opts.capturedPorts !== undefined && { capturedPorts: opts.capturedPorts }) }, output);
  await output.end();
  return { text: chunks.join(''), summary };
}

/** NDJSON text → parsed events of one type. */
export function eventsOf(text: string, type: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((e) => e.type === type);
}
