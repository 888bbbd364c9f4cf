import type { IncomingMessage } from 'node:http';
import { escapeXML } from 'ltx';
import type { Element } from '../../xml/element.js';
import type { StreamError } from '../../xml/errors.js';
import { NS } from '../../xml/namespaces.js';
import { DEFAULT_LIMITS, XmlStreamParser, type ParserLimits } from '../../xml/stream-parser.js';

/** XEP-0124 §17 terminal binding conditions. */
export type TerminateCondition =
  | 'bad-request' | 'host-gone' | 'host-unknown' | 'improper-addressing' | 'internal-server-error'
  | 'item-not-found' | 'other-request' | 'policy-violation' | 'remote-connection-failed'
  | 'remote-stream-error' | 'see-other-uri' | 'system-shutdown' | 'undefined-condition';

/** A request's <body/>: its attributes as written and its child elements (stanzas, SASL, …). */
export interface BoshBody {
  attrs: Record<string, string>;
  children: Element[];
  /** Its size on the wire, charged to the session's read budget. */
  bytes: number;
}

export interface BodyFailure {
  status: number;
  condition: TerminateCondition;
}

/**
 * Reads and parses a request body with the strict stream parser ('stream' mode, root <body/>).
 * The raw size is capped at maxBytes; the parser limits come from the session the body names
 * (limitsFor sees the root's attributes before any child is parsed). Children in the httpbind
 * namespace are stanzas without an explicit xmlns and become jabber:client, as XEP-0206 intends.
 */
export async function readBody(
  req: IncomingMessage,
  maxBytes: number,
  limitsFor: (attrs: Record<string, string>) => ParserLimits,
): Promise<BoshBody | BodyFailure> {
  const raw = await readRawBody(req, maxBytes);
  return isBodyFailure(raw) ? raw : parseBody(raw, limitsFor);
}

const TOO_BIG: BodyFailure = { status: 413, condition: 'policy-violation' };
const MALFORMED: BodyFailure = { status: 400, condition: 'bad-request' };

/** The bytes of a request body, at most maxBytes of them (a body of another node's session is passed on as read). */
export async function readRawBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | BodyFailure> {
  if (Number(req.headers['content-length'] ?? 0) > maxBytes) return TOO_BIG;
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) return TOO_BIG;
      chunks.push(chunk);
    }
  } catch {
    return MALFORMED; // the client went away mid-body
  }
  return Buffer.concat(chunks, size);
}

/** The start tag of a <body/> is short; a root not open within this many bytes is no BOSH body. */
const ROOT_PEEK_BYTES = 4096;

/** The sid a raw body names, '' when it names none (a creation request), null when it does not start as XML. */
export function peekSid(raw: Buffer): string | null {
  let sid = null as string | null;
  const parser = new XmlStreamParser('stream', DEFAULT_LIMITS, {
    onRootOpen: (root) => {
      sid ??= root.attrs.sid ?? '';
    },
    onElement: () => {},
    // What follows the start tag is the owner's to judge.
    onError: () => {},
  });
  parser.write(raw.subarray(0, ROOT_PEEK_BYTES));
  return sid;
}

/** Parses a body read whole (see readBody). */
export function parseBody(raw: Buffer, limitsFor: (attrs: Record<string, string>) => ParserLimits): BoshBody | BodyFailure {
  // Set from parser callbacks, hence the casts: they are not narrowed to their initial values.
  let attrs = null as Record<string, string> | null;
  let rootClosed = false as boolean;
  let failure = null as StreamError | BodyFailure | null;
  const children: Element[] = [];
  const parser: XmlStreamParser = new XmlStreamParser('stream', limitsFor({}), {
    onRootOpen: (root) => {
      if (root.name.split(':').pop() !== 'body' || root.uri !== NS.bosh) failure ??= MALFORMED;
      attrs = root.attrs;
      parser.setLimits(limitsFor(root.attrs));
    },
    onElement: (element) => {
      if (element.attrs.xmlns === NS.bosh) delete element.attrs.xmlns;
      children.push(element);
    },
    onRootClose: () => {
      rootClosed = true;
    },
    onError: (error) => {
      failure ??= error;
    },
  });
  parser.write(raw);
  if (failure) return MALFORMED;
  parser.end();
  if (failure || attrs === null || !rootClosed) return MALFORMED;
  return { attrs, children, bytes: raw.length };
}

export function isBodyFailure<T extends object>(result: T | BodyFailure): result is BodyFailure {
  return 'status' in result;
}

/** An attribute in the urn:xmpp:xbosh namespace (xmpp:version, xmpp:restart), whatever its prefix. */
export function xboshAttr(attrs: Record<string, string>, local: string): string | undefined {
  for (const [name, value] of Object.entries(attrs)) {
    if (!name.startsWith('xmlns:') || value !== NS.xbosh) continue;
    const found = attrs[`${name.slice('xmlns:'.length)}:${local}`];
    if (found !== undefined) return found;
  }
  return undefined;
}

/** A response <body/>; stream:* children (features, errors) rely on its xmlns:stream. */
export function bodyXml(attrs: Record<string, string | number | undefined>, payload = ''): string {
  let out = `<body xmlns='${NS.bosh}' xmlns:stream='${NS.stream}'`;
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== undefined) out += ` ${name}='${escapeXML(String(value))}'`;
  }
  return payload === '' ? `${out}/>` : `${out}>${payload}</body>`;
}

export function terminateXml(condition?: TerminateCondition): string {
  return bodyXml({ type: 'terminate', condition });
}

/** XEP-0124 rids are positive integers below 2^53. */
export function parseRid(text: string | undefined): number | null {
  if (text === undefined || !/^\d{1,16}$/.test(text)) return null;
  const rid = Number(text);
  return rid > 0 && Number.isSafeInteger(rid) ? rid : null;
}
