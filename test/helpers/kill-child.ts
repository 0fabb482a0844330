import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/**
 * Runs a TypeScript fixture as a child process, collects the lines it prints (its acknowledgements), and
 * kills it with SIGKILL `killAfterMs` after the first one. Resolves with every line printed before it died.
 */
export function runUntilKilled(
  fixture: string,
  args: readonly string[],
  killAfterMs: number,
): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines: string[] = [];
    let killTimer: NodeJS.Timeout | undefined;
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      killTimer ??= setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(killTimer);
      if (signal !== 'SIGKILL')
        reject(new Error(`${fixture} exited with ${code ?? signal} before it was killed`));
      // The readline interface may still hold buffered lines; let it drain.
      else setImmediate(() => resolve(lines));
    });
  });
}
