import { spawn, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// The Python client's own unittest suite (clients/python/tests: real servers from dist/, a watch through
// SIGKILL and SIGTERM restarts, TLS / mTLS / API keys, a mutex across 4 processes) run from npm test, so CI runs it. It needs a python3 with Debian's
// python3-grpcio and python3-protobuf (.ci/run installs them): outside CI it skips without them, in CI it fails.
const CANDIDATES = [process.env.KVSTORE_PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string =>
  Boolean(p),
);
const python = CANDIDATES.find(
  (p) => spawnSync(p, ['-c', 'import grpc, google.protobuf'], { stdio: 'ignore' }).status === 0,
);
const skip = python === undefined && process.env.CI !== 'true';
if (skip) {
  console.warn(
    'no python3 with grpc (apt-get install python3-grpcio python3-protobuf): the Python client tests are skipped',
  );
}

function run(command: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: 'clients/python', stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    child.on('error', (err) => resolve({ code: null, output: `${output}\n${err.message}` }));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe.skipIf(skip)('Python client (clients/python)', () => {
  // About 3 minutes on the shared 2-core machine under load (many servers, 4 mutex processes): room to spare.
  it('passes its unittest suite against real kvstore servers', { timeout: 600_000 }, async () => {
    expect(python, 'python3 with grpc is required in CI').toBeDefined();
    const args = ['-m', 'unittest', 'discover', '-s', 'tests', '-t', '.', '-v'];
    const { code, output } = await run(python!, args);
    expect(code, output).toBe(0);
    // Every test ran: none was skipped for a missing tool (the stub generator is installed with grpc).
    expect(output).toMatch(/\nOK\s*$/);
  });
});
