import type { PalaverModule } from '../core/module.js';
import delivery from './delivery.js';
import disco from './disco.js';
import ping from './ping.js';

/** Every feature module, in load order. A new feature adds one line here. */
export const MODULES: readonly PalaverModule[] = [
  delivery,
  disco,
  ping,
];
