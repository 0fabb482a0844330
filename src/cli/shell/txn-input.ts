/**
 * A transaction typed over several lines of the shell, in the syntax of `kvstore txn`
 * (src/cli/txn-syntax.ts): `txn` on its own starts it, an empty line ends it and runs it.
 */
export class TxnInput {
  private readonly lines: string[] = [];

  /** Adds a line; true when the transaction is complete (the line was empty). */
  add(line: string): boolean {
    if (line.trim() === '') return true;
    this.lines.push(line);
    return false;
  }

  /** The whole transaction, as `kvstore txn` reads it from standard input. */
  text(): Buffer {
    return Buffer.from(`${this.lines.join('\n')}\n`, 'utf8');
  }

  get empty(): boolean {
    return this.lines.length === 0;
  }
}
