/**
 * XEP-0050 §3.4 command sessions: a multi-stage command remembers where it is under a random
 * sessionid that belongs to the full JID that started it. Sessions expire, are capped per
 * requester and in total, and end with the requester's stream.
 */
import { StanzaError } from '../../xml/errors.js';
import { randomId } from '../../util/random-ids.js';
import { badSessionId, sessionExpired } from './errors.js';

/** How long a requester may take to fill in a form. */
export const COMMAND_SESSION_TTL_MS = 10 * 60_000;
/** An expired session is still recognised (session-expired rather than bad-sessionid) for this long. */
const EXPIRED_KEPT_MS = 10 * 60_000;
const MAX_SESSIONS_PER_REQUESTER = 8;
const MAX_SESSIONS = 1000;

export interface CommandSession {
  readonly id: string;
  readonly node: string;
  /** The full JID that started it: nobody else may continue it. */
  readonly owner: string;
  expiresAt: number;
}

export class CommandSessions {
  private readonly sessions = new Map<string, CommandSession>();

  constructor(private readonly now: () => number) {}

  get size(): number {
    return this.sessions.size;
  }

  /** Starts a session of `node` for `owner`; refuses past the caps. */
  open(node: string, owner: string): CommandSession {
    this.sweep();
    let owned = 0;
    for (const session of this.sessions.values()) if (session.owner === owner) owned++;
    if (owned >= MAX_SESSIONS_PER_REQUESTER) {
      throw new StanzaError('wait', 'resource-constraint', `at most ${MAX_SESSIONS_PER_REQUESTER} commands may be under way at once; finish or cancel one`);
    }
    if (this.sessions.size >= MAX_SESSIONS) throw new StanzaError('wait', 'resource-constraint', 'too many commands are under way; try again later');
    const session: CommandSession = { id: randomId(16), node, owner, expiresAt: this.now() + COMMAND_SESSION_TTL_MS };
    this.sessions.set(session.id, session);
    return session;
  }

  /**
   * The live session `id` of `node` started by `owner`. Someone else's session is answered as
   * an unknown one, so a sessionid cannot be probed or driven by another user.
   */
  find(id: string, node: string, owner: string): CommandSession {
    const session = this.sessions.get(id);
    if (!session || session.owner !== owner || session.node !== node) throw badSessionId();
    if (session.expiresAt <= this.now()) {
      this.sessions.delete(id);
      throw sessionExpired();
    }
    return session;
  }

  close(id: string): void {
    this.sessions.delete(id);
  }

  /** The requester's stream ended: its sessions cannot be continued by anyone. */
  closeAllOf(owner: string): void {
    for (const [id, session] of this.sessions) if (session.owner === owner) this.sessions.delete(id);
  }

  private sweep(): void {
    const cutoff = this.now() - EXPIRED_KEPT_MS;
    for (const [id, session] of this.sessions) if (session.expiresAt <= cutoff) this.sessions.delete(id);
  }
}
