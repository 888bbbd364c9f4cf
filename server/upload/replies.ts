import type { Response } from 'express';

/**
 * Ends an upload request with an error status and a short plain-text reason. `close` ends
 * the connection too, for a refused body whose length we do not accept: draining a huge or
 * endless body just to keep the connection alive is waste.
 */
export function refuse(res: Response, status: number, message: string, close = false): void {
  if (res.headersSent || res.writableEnded) return;
  if (close) res.setHeader('Connection', 'close');
  res.status(status).type('text/plain').send(`${message}\n`);
}
