import type { BoshReply } from './reply.js';

/**
 * How the BOSH endpoint reaches sessions other nodes of a cluster hold, so that a plain
 * round-robin balancer works without sticky sessions: a sid names the node that made it
 * (its first SID_ROUTE_LENGTH characters), and a request for another node's sid is passed
 * there as read and answered with what that node answers (cluster/bosh-relay.ts, over Redis).
 */
export interface BoshRelay {
  /** The start of every sid this node hands out. */
  readonly sidPrefix: string;
  /** Passes a request for another node's sid to that node; `reply` gets its answer (item-not-found when nobody holds it). */
  forward(sid: string, raw: Buffer, reply: BoshReply): void;
  /** Requests other nodes pass to this one are handed to `handler`. */
  serve(handler: (raw: Buffer, reply: BoshReply) => void): void;
}

/** Characters at the start of a sid that name its node. */
export const SID_ROUTE_LENGTH = 8;
