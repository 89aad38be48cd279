// The process exit codes of both commands, in one place (cli.ts and commands/capture.ts set them).

import type { Summary } from './report/reporter.js';

export const EXIT_OK = 0;
/** --strict, and the analysis reported error-severity diagnostics. */
export const EXIT_STRICT = 1;
/** Bad usage, or an input or output that cannot be used (missing file, bad interface, full disk). */
export const EXIT_USAGE = 2;
/** A bug: an exception escaped the analysis. */
export const EXIT_INTERNAL = 3;

/** How a finished analysis ends. */
export function analysisExitCode(summary: Summary, strict: boolean | undefined): number {
  return strict === true && summary.diagnosticsBySeverity.error > 0 ? EXIT_STRICT : EXIT_OK;
}
