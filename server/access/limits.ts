/**
 * Concurrent connections per client address (TCP streams, WebSockets and BOSH sessions
 * together). The map holds only addresses with a live connection, so it is bounded by the
 * number of open connections.
 */
export class ConnectionCounter {
  private readonly counts = new Map<string, number>();

  constructor(private readonly limit: number) {}

  /** Counts a new connection; false (and nothing counted) when the address is at its limit. */
  acquire(address: string): boolean {
    const count = this.counts.get(address) ?? 0;
    if (count >= this.limit) return false;
    this.counts.set(address, count + 1);
    return true;
  }

  release(address: string): void {
    const count = this.counts.get(address) ?? 0;
    if (count <= 1) this.counts.delete(address);
    else this.counts.set(address, count - 1);
  }

  count(address: string): number {
    return this.counts.get(address) ?? 0;
  }
}
