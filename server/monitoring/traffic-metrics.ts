import { Counter, Gauge, type Registry } from 'prom-client';
import type { ServerContext } from '../core/context.js';
import type { RefusalReason, TransportKind } from '../core/events.js';
import { TRANSPORTS } from './online.js';

const REFUSAL_REASONS: readonly RefusalReason[] = ['allowlist', 'connections-per-address', 'guest-sign-ins-per-minute', 'sign-in-failures'];

/**
 * Counters fed by the server's events: connections, sign-ins, stanzas, room deliveries,
 * archive writes, uploads and refusals. The features only emit events; nothing here is
 * called from them.
 */
export function registerTrafficMetrics(registry: Registry, server: ServerContext): void {
  const { events } = server;
  const registers = [registry];

  const connections = new Gauge({
    name: 'palaver_connections', help: 'Open client streams, signed in or not (TCP and WebSocket connections, BOSH sessions)', labelNames: ['transport'], registers,
  });
  for (const transport of TRANSPORTS) connections.set({ transport }, 0);
  events.on('stream-opened', (transport) => connections.inc({ transport }));
  events.on('stream-closed', (transport) => connections.dec({ transport }));

  const signIns = new Counter({
    name: 'palaver_sign_ins_total',
    help: 'SASL sign-ins by outcome (succeeded, failed: wrong credentials, refused: a limit) and kind (guest, account)',
    labelNames: ['outcome', 'kind'],
    registers,
  });
  for (const outcome of ['succeeded', 'failed', 'refused']) for (const kind of ['guest', 'account']) signIns.inc({ outcome, kind }, 0);
  events.on('sign-in', ({ outcome, guest }) => signIns.inc({ outcome, kind: guest ? 'guest' : 'account' }));

  const stanzasIn = transportTally(registry, 'palaver_stanzas_in_total', 'Stanzas received from signed-in clients');
  const stanzasOut = transportTally(registry, 'palaver_stanzas_out_total', 'Stanzas sent to signed-in clients');
  events.on('stanza-from-client', (session) => { stanzasIn[session.transportKind] += 1; });
  events.on('stanza-to-client', (transport) => { stanzasOut[transport] += 1; });

  const roomMessages = new Counter({ name: 'palaver_room_messages_total', help: 'Messages sent by rooms to their occupants', registers });
  const roomDeliveries = new Counter({ name: 'palaver_room_deliveries_total', help: 'Copies of room messages delivered to occupant resources', registers });
  events.on('room-delivery', (copies) => {
    roomMessages.inc();
    roomDeliveries.inc(copies);
  });

  const archiveAppends = new Counter({
    name: 'palaver_archive_appends_total', help: 'Room messages archived (lasting: persistent rooms, in the database; temporary: in memory)',
    labelNames: ['store'], registers,
  });
  for (const store of ['lasting', 'temporary']) archiveAppends.inc({ store }, 0);
  events.on('archive-append', (store) => archiveAppends.inc({ store }));

  const uploads = new Counter({ name: 'palaver_uploads_total', help: 'Files uploaded and stored', registers });
  const uploadBytes = new Counter({ name: 'palaver_upload_bytes_total', help: 'Bytes of files uploaded and stored', registers });
  const uploadsExpired = new Counter({ name: 'palaver_uploads_expired_total', help: 'Uploads deleted because they expired', registers });
  events.on('upload-stored', (bytes) => {
    uploads.inc();
    uploadBytes.inc(bytes);
  });
  events.on('uploads-expired', (count) => uploadsExpired.inc(count));

  const refusals = new Counter({
    name: 'palaver_refusals_total',
    help: `Clients turned away by access control and the sign-in limits (${REFUSAL_REASONS.join(', ')})`,
    labelNames: ['reason'], registers,
  });
  for (const reason of REFUSAL_REASONS) refusals.inc({ reason }, 0);
  events.on('refused', (reason) => refusals.inc({ reason }));
}

/**
 * A counter by transport for events that fire per stanza: plain numbers, handed to
 * prom-client at each scrape (a labelled inc costs about half a microsecond; this, a few ns).
 */
function transportTally(registry: Registry, name: string, help: string): Record<TransportKind, number> {
  const tally: Record<TransportKind, number> = { tcp: 0, websocket: 0, bosh: 0 };
  new Counter({
    name, help, labelNames: ['transport'], registers: [registry],
    collect() {
      this.reset();
      for (const transport of TRANSPORTS) this.inc({ transport }, tally[transport]);
    },
  });
  return tally;
}
