import type { SessionRegistry } from '../core/sessions.js';
import type { TransportKind } from '../core/events.js';

export const TRANSPORTS: readonly TransportKind[] = ['tcp', 'websocket', 'bosh'];

/** Who is signed in on this node, counted from the session registry. */
export interface OnlineCounts {
  /** Guests (each sign-in is a new JID, so this is also their sessions). */
  guests: number;
  /** Account holders, each counted once however many clients they have open. */
  accounts: number;
  /** Sessions by transport, guests and account holders together. */
  sessionsByTransport: Record<TransportKind, number>;
  /** Sessions by transport and kind of user, for the metrics. */
  sessions: { transport: TransportKind; guest: boolean; count: number }[];
}

export function countOnline(sessions: SessionRegistry): OnlineCounts {
  const guests = new Set<string>();
  const accounts = new Set<string>();
  const byKind = new Map<string, number>();
  const sessionsByTransport: Record<TransportKind, number> = { tcp: 0, websocket: 0, bosh: 0 };
  for (const session of sessions.all()) {
    (session.isGuest ? guests : accounts).add(session.bare.toString());
    sessionsByTransport[session.transportKind] += 1;
    const key = `${session.transportKind} ${session.isGuest}`;
    byKind.set(key, (byKind.get(key) ?? 0) + 1);
  }
  const counted = TRANSPORTS.flatMap((transport) => [true, false].map((guest) => ({
    transport, guest, count: byKind.get(`${transport} ${guest}`) ?? 0,
  })));
  return { guests: guests.size, accounts: accounts.size, sessionsByTransport, sessions: counted };
}
