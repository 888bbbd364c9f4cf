#!/usr/bin/env node
/**
 * `node bench/inbox-receive.mjs [--recipients 25] [--frames 20000] [--rounds 5]`: what one room
 * broadcast from another cluster node costs the node that receives it, in-process and without
 * sockets or Redis: the inbox reads an `M` frame (one stanza, N recipients of this node) and
 * hands a copy to each local session, whose sink writes it out as text (`toString()`, what a
 * transport does). Prints µs of CPU per delivery (the median of the rounds) next to what the
 * same stanza costs delivered by the router to local sessions (a room's local fan-out), so
 * that the receiving side's extra cost is a ratio measured in one run on a loaded machine.
 *
 * Build first (`npx tsc -p tsconfig.json`): it loads dist/.
 */
import { pino } from 'pino';
import { HostRegistry } from '../dist/server/core/hosts.js';
import { Router } from '../dist/server/core/router.js';
import { Session } from '../dist/server/core/session.js';
import { SessionRegistry } from '../dist/server/core/sessions.js';
import { createMemoryStorage } from '../dist/server/storage/memory/index.js';
import { parseJid } from '../dist/server/jid/jid.js';
import { Inbox } from '../dist/server/cluster/inbox.js';
import { eachFrame } from '../dist/server/cluster/frames.js';
import { xml } from '../dist/server/xml/element.js';
import { StanzaTemplate } from '../dist/server/xml/stanza-template.js';

function parseArgs(argv) {
  const options = { recipients: 25, frames: 20_000, rounds: 5 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i]?.replace(/^--/, '');
    if (!(key in options)) throw new Error(`unknown argument ${argv[i]}`);
    options[key] = Number(argv[i + 1]);
  }
  return options;
}

/** Writes each stanza out as a transport would, and counts them. */
class WritingSink {
  remoteAddress = '';
  transportKind = 'tcp';
  written = 0;
  bytes = 0;
  send(stanza) {
    this.written += 1;
    this.bytes += stanza.toString().length;
  }
  close() {}
}

/** A room's reflection as Palaver builds it (muc/messages.ts), about the bench's size. */
function roomMessage(n) {
  return xml('message', { from: `fanout0-bench@conference.localhost/o${n % 50}`, type: 'groupchat', id: `m${n}`, xmlns: 'jabber:client' },
    xml('body', {}, `${performance.now()} message number ${n} with some text & an <escaped> part, as people write them`),
    xml('stanza-id', { xmlns: 'urn:xmpp:sid:0', id: `sid-${n}-abcdefghijkl`, by: 'fanout0-bench@conference.localhost' }),
    xml('occupant-id', { xmlns: 'urn:xmpp:occupant-id:0', id: 'b2NjdXBhbnQtaWQtb2YtdGhlLXNlbmRlcg==' }));
}

function cpuMicros(work) {
  const before = process.cpuUsage();
  work();
  const used = process.cpuUsage(before);
  return used.user + used.system;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function main() {
  const { recipients, frames, rounds } = parseArgs(process.argv.slice(2));
  const log = pino({ level: 'silent' });
  const hosts = new HostRegistry();
  const host = hosts.add('anon.localhost', 'anonymous', createMemoryStorage());
  const sessions = new SessionRegistry();
  const router = new Router(hosts, sessions, log);
  const local = new Map();
  const sinks = [];
  for (let i = 0; i < recipients; i++) {
    const sink = new WritingSink();
    const session = new Session(parseJid(`guest-${i}-q3x9k2@anon.localhost/palaver-${i}-7hd8s`), host, sink);
    sessions.add(session);
    local.set(session.jid.toString(), session);
    sinks.push(sink);
  }
  const inbox = new Inbox(sessions, localLookup(local), router, log);
  const jids = [...local.keys()];
  const recipientJids = jids.map(parseJid);
  const stanzas = Array.from({ length: 64 }, (_, n) => roomMessage(n));
  const framesText = stanzas.map((stanza) => eachFrame(jids, new StanzaTemplate(stanza).withoutTo));

  const remote = [];
  const localFanOut = [];
  for (let r = 0; r < rounds; r++) {
    remote.push(cpuMicros(() => {
      for (let f = 0; f < frames; f++) inbox.receive(framesText[f % framesText.length]);
    }) / (frames * recipients));
    localFanOut.push(cpuMicros(() => {
      for (let f = 0; f < frames; f++) router.deliverToEach(stanzas[f % stanzas.length], recipientJids);
    }) / (frames * recipients));
  }
  const delivered = sinks.reduce((sum, sink) => sum + sink.written, 0);
  const expected = 2 * rounds * frames * recipients;
  if (delivered !== expected) throw new Error(`delivered ${delivered} copies, expected ${expected}`);
  const result = {
    bench: 'inbox-receive',
    at: new Date().toISOString(),
    recipients,
    frames,
    rounds,
    frame_bytes: framesText[0].length,
    remote_us_per_delivery: round(median(remote)),
    local_us_per_delivery: round(median(localFanOut)),
    remote_rounds: remote.map(round),
    local_rounds: localFanOut.map(round),
  };
  result.extra_us_per_remote_delivery = round(result.remote_us_per_delivery - result.local_us_per_delivery);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** This node's sessions by full JID, as the cluster node keeps them (LocalSessions). */
function localLookup(local) {
  const sessions = new Set(local.values());
  return { has: (session) => sessions.has(session), named: (jid) => local.get(jid) };
}

const round = (value) => Math.round(value * 1000) / 1000;

main();
