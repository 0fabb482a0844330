// Group-commit cost of the SQLite drivers kvstore could use for its log (docs/adr/0009): sequential durable
// commits (WAL, synchronous=FULL) of ROWS rows each, as the log's writer issues them.
//
//   npm i --no-save better-sqlite3@12      # not a dependency: only this comparison needs it
//   node bench/sqlite-drivers.mjs [--rows 1] [--commits 3000] [--rounds 3] [--dir /path/on/the/data/disk]
//
// Drivers: sqlite3 (the log's: every statement runs on libuv's thread pool), better-sqlite3 synchronously on
// the main thread, and better-sqlite3 in a worker thread (the main thread posts each batch and waits for the
// answer). Prints per round and driver: commits/s, p50/p99 latency, CPU per commit (whole process).
// Two floors beside them, no SQLite at all: the same bytes appended to a preallocated file opened with O_DSYNC
// (each write durable when it returns, as etcd's WAL is after its fdatasync), one write per commit, on the
// thread pool and on the main thread: what a log of our own would cost in Node, the bar SQLite is held to.

import { closeSync, constants, mkdtempSync, openSync, rmSync, write, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';

const require = createRequire(import.meta.url);
const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1' },
    commits: { type: 'string', default: '3000' },
    rounds: { type: 'string', default: '3' },
    dir: { type: 'string', default: process.cwd() },
  },
});
const rows = Number(values.rows);
const commits = Number(values.commits);
const WARMUP = 200;
const PAYLOAD = Buffer.alloc(150, 7); // a Set's record with a 100-byte value is about this size
const SCHEMA = 'CREATE TABLE log (revision INTEGER PRIMARY KEY, record BLOB)';
const INSERT = `INSERT INTO log (revision, record) VALUES ${new Array(rows).fill('(?, ?)').join(', ')}`;

let betterSqlite;
try {
  betterSqlite = require('better-sqlite3');
} catch {
  process.stderr.write('better-sqlite3 is not installed (npm i --no-save better-sqlite3@12): sqlite3 only\n');
}

function params(first) {
  const p = [];
  for (let i = 0; i < rows; i++) p.push(first + i, PAYLOAD);
  return p;
}

/** Bytes of one commit in a plain file: each row's 150 bytes behind an 8-byte length and checksum. */
const FILE_COMMIT_BYTES = rows * (PAYLOAD.length + 8);
/** The floors' file is preallocated and rewritten in a circle, as etcd preallocates its WAL's segments. */
const FILE_BYTES = 64 * 1024 * 1024;

/** A preallocated O_DSYNC file, one commit's bytes, and `next()`: the offset to write the next commit at. */
function dsyncFile(path) {
  const fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_DSYNC);
  const chunk = Buffer.alloc(1024 * 1024);
  for (let at = 0; at < FILE_BYTES; at += chunk.length) writeSync(fd, chunk, 0, chunk.length, at);
  const bytes = Buffer.alloc(FILE_COMMIT_BYTES, 7);
  let offset = 0;
  return {
    fd,
    bytes,
    next: () => {
      const at = offset;
      offset = (offset + FILE_COMMIT_BYTES) % (FILE_BYTES - FILE_COMMIT_BYTES);
      return at;
    },
    close: async () => closeSync(fd),
  };
}

/** Each driver: open(path) resolves to { run(params): Promise<void>, close(): Promise<void> }. */
const DRIVERS = {
  sqlite3: async (path) => {
    const sqlite3 = require('sqlite3');
    const db = await new Promise((resolve, reject) => {
      const d = new sqlite3.Database(path, (err) => (err ? reject(err) : resolve(d)));
    });
    await new Promise((resolve, reject) =>
      db.exec(`PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; ${SCHEMA}`, (e) =>
        e ? reject(e) : resolve(),
      ),
    );
    const stmt = db.prepare(INSERT);
    return {
      run: (p) => new Promise((resolve, reject) => stmt.run(p, (e) => (e ? reject(e) : resolve()))),
      close: () => new Promise((resolve) => stmt.finalize(() => db.close(resolve))),
    };
  },
  'file floor, O_DSYNC write (thread pool)': async (path) => {
    const file = dsyncFile(path);
    return {
      run: () =>
        new Promise((resolve, reject) =>
          write(file.fd, file.bytes, 0, file.bytes.length, file.next(), (e) => (e ? reject(e) : resolve())),
        ),
      close: file.close,
    };
  },
  'file floor, O_DSYNC write (main thread)': async (path) => {
    const file = dsyncFile(path);
    return {
      run: async () => {
        writeSync(file.fd, file.bytes, 0, file.bytes.length, file.next());
      },
      close: file.close,
    };
  },
  'better-sqlite3 (main thread)': async (path) => {
    const db = new betterSqlite(path);
    db.pragma('journal_mode=WAL');
    db.pragma('synchronous=FULL');
    db.exec(SCHEMA);
    const stmt = db.prepare(INSERT);
    return {
      run: async (p) => {
        stmt.run(p);
      },
      close: async () => db.close(),
    };
  },
  'better-sqlite3 (worker)': async (path) => {
    const worker = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       const db = new (require(workerData.module))(workerData.path);
       db.pragma('journal_mode=WAL');
       db.pragma('synchronous=FULL');
       db.exec(workerData.schema);
       const stmt = db.prepare(workerData.insert);
       parentPort.postMessage('ready');
       parentPort.on('message', (p) => { stmt.run(p); parentPort.postMessage('done'); });`,
      {
        eval: true,
        workerData: { module: require.resolve('better-sqlite3'), path, schema: SCHEMA, insert: INSERT },
      },
    );
    let answer = null;
    await new Promise((resolve) => worker.once('message', resolve));
    worker.on('message', () => answer?.());
    return {
      run: (p) =>
        new Promise((resolve) => {
          answer = resolve;
          worker.postMessage(p);
        }),
      close: () => worker.terminate().then(() => {}),
    };
  },
};

async function measure(name, open) {
  const dir = mkdtempSync(join(values.dir, 'kvstore-sqlite-drivers-'));
  try {
    const driver = await open(join(dir, 'log.sqlite'));
    let revision = 1;
    for (let i = 0; i < WARMUP; i++, revision += rows) await driver.run(params(revision));
    const latencies = new Float64Array(commits);
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (let i = 0; i < commits; i++, revision += rows) {
      const t = performance.now();
      await driver.run(params(revision));
      latencies[i] = performance.now() - t;
    }
    const wallMs = performance.now() - started;
    const used = process.cpuUsage(cpu);
    await driver.close();
    latencies.sort();
    const us = (ms) => Math.round(ms * 1000);
    return {
      driver: name,
      rows,
      commitsPerS: Math.round((commits / wallMs) * 1000),
      p50Us: us(latencies[commits >> 1]),
      p99Us: us(latencies[Math.floor(commits * 0.99)]),
      cpuUsPerCommit: Math.round((used.user + used.system) / commits),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const names = Object.keys(DRIVERS).filter((n) => !n.startsWith('better-sqlite3') || betterSqlite);
for (let round = 0; round < Number(values.rounds); round++) {
  // Rotated order: a drift of the disk's fsync time over the run does not favour one driver.
  const order = names.map((_, i) => names[(i + round) % names.length]);
  for (const name of order) {
    process.stderr.write(
      `[sqlite-drivers] round ${round + 1}: ${name}, ${commits} commits of ${rows} row(s)\n`,
    );
    console.log(JSON.stringify({ round: round + 1, ...(await measure(name, DRIVERS[name])) }));
  }
}
