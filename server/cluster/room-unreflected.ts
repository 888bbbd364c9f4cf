import type { Element } from '../xml/element.js';
import type { StanzaContext } from '../core/host.js';

/** Far longer than a live node takes to reflect a message; what is older was answered some other way. */
const KEEP_MS = 30_000;
/** Per serving member: a flood of messages to a stuck node does not grow this without bound. */
const MAX_PER_MEMBER = 10_000;

interface Kept {
  ctx: StanzaContext;
  at: number;
}

function keyOf(sender: string, room: string, id: string): string {
  return `${sender}\n${room}\n${id}`;
}

/**
 * Room messages this node forwarded to the member serving their room and that the room has not
 * yet reflected (or refused) to their sender. When that member dies (kill -9), the ones it took
 * from Redis but never handled are sent again, to whichever node serves the room next, rather
 * than vanishing: a message the sender never saw reflected was not delivered to anyone as far as
 * the sender knows. (The dead node may have handled one and died before the reflection left it:
 * then the others read that one twice.) Matched by sender, room and the message's id; a message
 * without an id cannot be matched and is not kept.
 */
export class UnreflectedMessages {
  private readonly byMember = new Map<string, Map<string, Kept>>();
  /** member of each kept key, so that a reflection finds its entry without knowing who sent it. */
  private readonly memberOf = new Map<string, string>();

  constructor(private readonly now: () => number = Date.now) {}

  get size(): number {
    return this.memberOf.size;
  }

  /** A groupchat message with an id, forwarded to `member`. */
  keep(member: string, ctx: StanzaContext): void {
    const { stanza } = ctx;
    const id = stanza.attrs.id;
    if (stanza.name !== 'message' || stanza.attrs.type !== 'groupchat' || typeof id !== 'string' || ctx.from.resource === null) return;
    const key = keyOf(ctx.from.toString(), ctx.to.bare().toString(), id);
    let kept = this.byMember.get(member);
    if (!kept) this.byMember.set(member, kept = new Map());
    this.prune(kept);
    if (kept.size >= MAX_PER_MEMBER) return;
    kept.set(key, { ctx, at: this.now() });
    this.memberOf.set(key, member);
  }

  /** A message reached these local recipients from another node: a room's reflection (or refusal) ends a wait. */
  delivered(stanza: Element, recipients: readonly string[]): void {
    if (this.memberOf.size === 0 || stanza.name !== 'message') return;
    const id = stanza.attrs.id;
    const from = stanza.attrs.from;
    if (typeof id !== 'string' || typeof from !== 'string') return;
    const slash = from.indexOf('/');
    const room = slash === -1 ? from : from.slice(0, slash);
    for (const recipient of recipients) {
      const key = keyOf(recipient, room, id);
      const member = this.memberOf.get(key);
      if (member === undefined) continue;
      this.memberOf.delete(key);
      this.byMember.get(member)?.delete(key);
    }
  }

  /** The member is gone: what it was given and did not reflect, oldest first (`except` left out). */
  take(member: string, except?: StanzaContext): StanzaContext[] {
    const kept = this.byMember.get(member);
    this.byMember.delete(member);
    if (!kept) return [];
    const taken: StanzaContext[] = [];
    const oldest = this.now() - KEEP_MS;
    for (const [key, entry] of kept) {
      this.memberOf.delete(key);
      if (entry.ctx !== except && entry.at >= oldest) taken.push(entry.ctx);
    }
    return taken;
  }

  /** Entries are in the order kept: the old ones are at the front. */
  private prune(kept: Map<string, Kept>): void {
    const oldest = this.now() - KEEP_MS;
    for (const [key, entry] of kept) {
      if (entry.at >= oldest) break;
      kept.delete(key);
      this.memberOf.delete(key);
    }
  }
}
