/** Every Redis key and channel of the session directory and membership, in one place. */
export interface ClusterKeys {
  /** Set of the members that joined and were not yet cleaned up. */
  members: string;
  /** A member's heartbeat, refreshed with a TTL; gone = the member is dead. */
  heartbeat(member: string): string;
  /** Hash: a member's sessions, full JID → record, plus SEQUENCE_FIELD. */
  sessions(member: string): string;
  /** Lock taken by the one node that announces a dead member's sessions as closed. */
  reaper(member: string): string;
  /** Channel of session directory changes, from every member. */
  directory: string;
  /** Channel of stanzas and close requests for a member's sessions. */
  inbox(member: string): string;
  /** A room's lease: the member that serves it, with a TTL it renews. `room` is `<domain>/<localpart>`. */
  lease(room: string): string;
  /** Hash: what a room's serving node wrote for a takeover (its state, its occupant resources). */
  savedRoom(room: string): string;
  /** Set: the rooms a member serves, which the others claim when it dies. */
  roomsOf(member: string): string;
  /** Hash: the rooms of a MUC domain served now, localpart → the serving node's listing (cluster/room-list.ts). */
  roomList(domain: string): string;
  /** Set: the localparts of a MUC domain's rooms one creator made (a bare JID or a guest's keyed network). */
  roomsCreatedBy(domain: string, creator: string): string;
  /** Channel of rooms whose lease was given up (`<member>\n<room>`), so that nobody forwards to it any more. */
  released: string;
}

/** Field of a member's sessions hash holding the sequence number of its last change (a full JID always has a '/'). */
export const SEQUENCE_FIELD = '~seq';

export function clusterKeys(prefix: string): ClusterKeys {
  return {
    members: `${prefix}members`,
    heartbeat: (member) => `${prefix}heartbeat:${member}`,
    sessions: (member) => `${prefix}sessions:${member}`,
    reaper: (member) => `${prefix}reaper:${member}`,
    directory: `${prefix}directory`,
    inbox: (member) => `${prefix}inbox:${member}`,
    lease: (room) => `${prefix}room-lease:${room}`,
    savedRoom: (room) => `${prefix}room-saved:${room}`,
    roomsOf: (member) => `${prefix}rooms-of:${member}`,
    released: `${prefix}room-released`,
    roomList: (domain) => `${prefix}room-list:${domain}`,
    roomsCreatedBy: (domain, creator) => `${prefix}rooms-created:${domain}:${creator}`,
  };
}
