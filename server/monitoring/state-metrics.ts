import { Gauge, type Registry } from 'prom-client';
import type { ServerContext } from '../core/context.js';
import { countOnline } from './online.js';
import { countRooms } from './rooms.js';

/** Gauges read from the registries at each scrape: sessions, rooms, the archive's queue, uptime. */
export function registerStateMetrics(registry: Registry, server: ServerContext, started: { at: number; version: string }): void {
  const registers = [registry];
  new Gauge({
    name: 'palaver_sessions',
    help: 'Signed-in sessions by transport and kind (guest, account)',
    labelNames: ['transport', 'kind'],
    registers,
    collect() {
      for (const { transport, guest, count } of countOnline(server.sessions).sessions) {
        this.set({ transport, kind: guest ? 'guest' : 'account' }, count);
      }
    },
  });
  new Gauge({
    name: 'palaver_rooms', help: 'Rooms that exist (in memory) on this server', registers,
    collect() {
      this.set(countRooms(server, false).rooms);
    },
  });
  new Gauge({
    name: 'palaver_room_occupants', help: 'Occupants of every room together', registers,
    collect() {
      this.set(countRooms(server, false).occupants);
    },
  });
  new Gauge({
    name: 'palaver_archive_queue', help: 'Archived room messages waiting for their commit ([muc].archive_commit_delay)', registers,
    collect() {
      this.set(server.storage.archive.queuedAppends?.() ?? 0);
    },
  });
  new Gauge({
    name: 'palaver_uptime_seconds', help: 'Seconds since this server started', registers,
    collect() {
      this.set(Math.max(0, (server.now() - started.at) / 1000));
    },
  });
  new Gauge({ name: 'palaver_info', help: 'The running version', labelNames: ['version'], registers }).set({ version: started.version }, 1);
}
