// npm run load -- <scenario> [options]: the k6 scenarios of load/k6, run from Node (see load/README.md).
import { appendFile } from 'node:fs/promises';
import { parseLoadArgs, USAGE, UsageError } from './options.js';
import { runLoad } from './run.js';
import { formatSummary } from './summary.js';

/** Exit code when a threshold fails, as k6 uses. */
const THRESHOLD_FAILED = 99;

async function main(argv: readonly string[]): Promise<number> {
  let options: ReturnType<typeof parseLoadArgs>;
  try {
    options = parseLoadArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError) && !(err instanceof TypeError)) throw err;
    process.stderr.write(`load: ${(err as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (options === null) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const result = await runLoad(options, (line) => process.stderr.write(`${line}\n`));
  process.stderr.write(`${formatSummary(result)}\n`);
  const line = JSON.stringify(result);
  process.stdout.write(`${line}\n`);
  if (options.out) await appendFile(options.out, `${line}\n`);
  return options.failOnThreshold && result.thresholds?.ok === false ? THRESHOLD_FAILED : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`load failed: ${(err as Error)?.stack ?? err}\n`);
    process.exit(1);
  },
);
