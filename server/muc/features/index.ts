import { archive } from './archive.js';
import type { RoomFeature } from './feature.js';
import { memoryHistory } from './memory-history.js';

/** The room features every MUC host has, in the order their hooks and form fields come. */
export const ROOM_FEATURES: readonly RoomFeature[] = [
  memoryHistory,
  archive,
];
