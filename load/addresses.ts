// A cluster is driven through all its endpoints: `--addr a,b,c` puts connection j on endpoint j % 3. One
// address behaves exactly as before.

/** The endpoints of a comma-separated `--addr` (one or more HOST:PORT). */
export function addressList(addr: string): string[] {
  const list = addr
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '');
  if (list.length === 0) throw new Error(`no address in "${addr}"`);
  return list;
}

/** The endpoint of connection `conn` of a comma-separated address list: round-robin. */
export function addressOf(addr: string, conn: number): string {
  const list = addressList(addr);
  return list[conn % list.length]!;
}

/**
 * The address list a worker thread is given: worker `w` of `workers` owns global connections j = i * workers
 * + w (its local connection i), so its i-th entry is the endpoint of j. A target then maps local connection
 * i to entry i, and the connections of all workers together go round-robin over the endpoints.
 */
export function workerAddresses(addr: string, workers: number, w: number, nConns: number): string {
  const list = addressList(addr);
  if (list.length === 1) return list[0]!;
  return Array.from({ length: nConns }, (_, i) => list[(i * workers + w) % list.length]!).join(',');
}
