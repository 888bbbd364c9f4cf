import type net from 'node:net';
import type { Logger } from '../log.js';

/**
 * Starts listening; resolves once listening, rejects if the address cannot be taken. Errors
 * after that are logged under `name`, so that a listener never ends the process.
 */
export async function startListening(listener: net.Server, port: number, host: string, log: Logger, name: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(port, host, () => {
      listener.off('error', reject);
      resolve();
    });
  });
  listener.on('error', (error) => log.error({ err: error }, `${name} listener error`));
}
