import { serviceKey } from './services.js';

/**
 * What the running server does for the `palaver` command on the same machine (the local
 * control socket, startup/control-socket.ts): named requests, each answered by the module
 * that owns the thing asked about (`rooms.destroy` by the MUC). A request is a JSON object;
 * the answer is any JSON value, or a ControlRefusal the command line shows as it is.
 */
export type ControlHandler = (request: Readonly<Record<string, unknown>>) => unknown;

/** A request the server understood and refuses (no such room): the message is for the user. */
export class ControlRefusal extends Error {
  override name = 'ControlRefusal';
}

export class ControlCommands {
  private readonly handlers = new Map<string, ControlHandler>();

  add(name: string, handler: ControlHandler): void {
    if (this.handlers.has(name)) throw new Error(`two control handlers for ${name}`);
    this.handlers.set(name, handler);
  }

  get(name: string): ControlHandler | undefined {
    return this.handlers.get(name);
  }
}

export const CONTROL_COMMANDS = serviceKey<ControlCommands>('control commands');
