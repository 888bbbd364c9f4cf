/** What one user may keep in PEP (XEP-0163 leaves the limits to the server). */
export const PEP_LIMITS = {
  /** Nodes per user: OMEMO keeps one per device, so room for a handful of devices and the usual nodes. */
  nodes: 64,
  /** What pubsub#max_items "max" means: bookmarks keep one item per room. */
  maxItems: 1000,
  /** Bytes of one node as stored (an avatar's data node is the largest usual one). */
  bytesPerNode: 512 * 1024,
  /** Bytes of all of a user's nodes together. */
  bytesPerUser: 2 * 1024 * 1024,
  nodeNameLength: 256,
  itemIdLength: 256,
  titleLength: 256,
} as const;
