// The output formats both `read` and `capture` offer, and the reporter for each.

import { NdjsonReporter, type NdjsonOptions } from './ndjson.js';
import type { TextOutput } from './output.js';
import type { Reporter } from './reporter.js';
import { StatsReporter } from './stats.js';
import { TranscriptReporter } from './transcript.js';

export const OUTPUT_FORMATS = ['transcript', 'ndjson', 'stats'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export function makeReporter(format: OutputFormat, output: TextOutput, ndjson: NdjsonOptions = {}): Reporter {
  if (format === 'ndjson') return new NdjsonReporter(output, ndjson);
  if (format === 'stats') return new StatsReporter(output);
  return new TranscriptReporter(output);
}
