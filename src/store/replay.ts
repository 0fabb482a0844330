import type { Logger } from 'pino';
import type { EventLog } from '../log/event-log.js';
import type { KeyState } from '../projections/key-state.js';

/** Applies every record after the state's revision, logging progress every few seconds for long replays. */
export async function replayLog(log: EventLog, state: KeyState, logger: Logger): Promise<number> {
  const from = state.revision + 1;
  const to = log.lastRevision();
  if (from > to) return 0;
  const started = performance.now();
  let lastReport = started;
  let applied = 0;
  for await (const record of log.read(from, { toRevision: to, pageSize: 2000 })) {
    state.apply(record);
    applied++;
    if ((applied & 0x3ff) === 0) {
      const now = performance.now();
      if (now - lastReport > 2000) {
        lastReport = now;
        const perSecond = Math.round((applied * 1000) / (now - started));
        logger.info({ revision: record.revision, of: to, perSecond }, 'replaying log');
      }
    }
  }
  const ms = Math.round(performance.now() - started);
  logger.info({ from, to, records: applied, ms }, 'replayed log');
  return applied;
}

/**
 * Reads the records up to `toRevision` (those the replay does not apply) that no start-up has verified yet
 * (above the log's verified-through watermark), each checked against its checksum: a damaged record there
 * would otherwise surface only when a watcher or a backup reads it. The older history is re-checked in the
 * background after start-up (history-check.ts), so a restart costs the new history only. Throws the log's
 * DamagedRecordError, which names the revision and the file.
 */
export async function verifyHistory(log: EventLog, toRevision: number, logger: Logger): Promise<number> {
  const from = Math.max(log.compactRevision(), log.verifiedThrough() + 1);
  if (from > toRevision) {
    logger.info({ from, to: toRevision, records: 0, ms: 0 }, 'checked the log history');
    return 0;
  }
  const started = performance.now();
  let lastReport = started;
  let checked = 0;
  for await (const record of log.readRaw(from, { toRevision, pageSize: 5000 })) {
    checked++;
    if ((checked & 0x3fff) === 0) {
      const now = performance.now();
      if (now - lastReport > 2000) {
        lastReport = now;
        logger.info({ revision: record.revision, of: toRevision }, 'checking the log history');
      }
    }
  }
  logger.info(
    { from, to: toRevision, records: checked, ms: Math.round(performance.now() - started) },
    'checked the log history',
  );
  return checked;
}
