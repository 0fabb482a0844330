import { join } from 'node:path';
import { isKeyProblem } from '../../log/encryption.js';
import { checkDataDir, type DataDirReport } from '../../store/data-dir-check.js';
import { DataDirLockedError, DataDirStateError } from '../../store/errors.js';
import { cursorWitness } from '../../streams/nats/cursor-file.js';
import type { Command } from '../command.js';
import { stringFlag } from '../command.js';
import { ENCRYPTION_KEY_HELP, ENCRYPTION_KEY_OPTION, useCommandKeyRing } from '../encryption-option.js';
import { CliExit, EXIT, usage } from '../exit-codes.js';
import { printJson } from '../output.js';
import { startProgress } from '../progress.js';

/** Exit code of a check that found problems (README, `kvstore check --help`). */
export const EXIT_DATA_PROBLEMS = 5;

export const checkCommand: Command = {
  name: 'check',
  summary: 'verify a data directory offline: log checksums, gaps, checkpoints, lost writes',
  options: { 'data-dir': { type: 'string' }, ...ENCRYPTION_KEY_OPTION },
  help: `NAME
    kvstore check - verify a data directory offline

SYNOPSIS
    kvstore check --data-dir DIR [--json]

DESCRIPTION
    Offline: no server may run on DIR (the check holds its lock meanwhile, so none can start). Reads
    every record of DIR/log.sqlite and verifies its CRC-32C and that it decodes; checks that the
    revisions follow without a gap from the compaction point on; verifies the SHA-256 of every
    checkpoint; checks that start-up has a checkpoint it can use; and that no checkpoint, nor the NATS
    publish cursor (nats-cursor.json), shows a revision the log no longer holds (acknowledged writes
    that were lost). Never modifies DIR. Prints each problem with the file that shows it, then a
    summary; progress goes to standard error.

    A log written before checksums (format 1) is decoded and reported; the next start upgrades it.

    A cluster node's directory (log.url nats://...) holds checkpoints and no log.sqlite: its log is the
    JetStream stream, which JetStream checksums and replicates itself. Only the checkpoints are checked
    then (SHA-256 and revision); whether the stream still holds the history after them is what the
    node's start-up checks (it refuses to start otherwise, saying what to copy).

OPTIONS
    --data-dir DIR       the data directory to check
${ENCRYPTION_KEY_HELP}
                         (needed to decode records and checkpoints sealed by encryption at rest)
    --json               print the report as one JSON object

EXIT STATUS
    0 no problem found, 5 problems found (each is printed), 2 usage error or DIR is not a kvstore data
    directory, 3 DIR in use by a server, I/O or other error.

EXAMPLES
    kvstore check --data-dir /var/lib/kvstore`,

  async run(ctx) {
    if (ctx.positionals.length > 0)
      throw usage('check takes no positional arguments (use --data-dir)', 'check');
    const dataDir = stringFlag(ctx, 'data-dir');
    if (dataDir === undefined) throw usage('--data-dir DIR is required', 'check');
    useCommandKeyRing(ctx);
    const progress = startProgress('check', 'records');
    let report: DataDirReport;
    try {
      report = await checkDataDir(dataDir, {
        witnesses: [cursorWitness(join(dataDir, 'nats-cursor.json'))],
        onProgress: (done, total) => progress.update(done, total),
      });
    } catch (err) {
      if (err instanceof DataDirStateError || isKeyProblem(err)) throw new CliExit(EXIT.USAGE, err.message);
      if (err instanceof DataDirLockedError) {
        throw new CliExit(
          EXIT.UNAVAILABLE,
          `${err.message}; stop the server first (kvstore check is offline)`,
        );
      }
      throw err;
    }
    progress.finish();
    if (ctx.global.json) printJson(report);
    else printReport(report);
    const count = report.problems.length;
    if (count > 0) {
      throw new CliExit(
        EXIT_DATA_PROBLEMS,
        `${count} problem${count === 1 ? '' : 's'} found in ${report.dir}; restore it from a backup ` +
          '(kvstore restore), or see docs/operations.md',
      );
    }
    return EXIT.OK;
  },
};

function printReport(report: DataDirReport): void {
  const lines: string[] = [];
  if (report.sharedLog) {
    lines.push(
      `no log.sqlite in ${report.dir}: a cluster node's data directory, whose log is its JetStream stream ` +
        '(log.url), not checked here; checking its checkpoints only',
    );
  }
  const log = report.log;
  if (log) {
    const history =
      report.lastRevision >= log.compactRevision
        ? `revisions ${log.compactRevision}..${report.lastRevision}`
        : `no history (compacted up to ${log.compactRevision - 1})`;
    lines.push(
      `log ${join(report.dir, 'log.sqlite')}: ${history}, ${report.records} records checked, schema ${log.schemaVersion}`,
    );
    if (report.legacyRecords > 0) {
      lines.push(
        `note: ${report.legacyRecords} records are of format 1 (written before checksums): they decode, but ` +
          'cannot be verified; the next start adds their checksums',
      );
    }
  }
  for (const c of report.checkpoints)
    lines.push(`checkpoint ${c.path}: revision ${c.revision}, ${c.ok ? 'ok' : 'DAMAGED'}`);
  for (const p of report.problems) lines.push(`PROBLEM ${p.file}: ${p.message}`);
  if (report.problems.length === 0) lines.push(`no problems found in ${report.dir}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}
