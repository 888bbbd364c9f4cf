// The load generator's stanza framing: run with `node --test bench/test/`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StanzaFramer } from '../lib/framer.mjs';
import { attr, childText, hasChild, localName, stanzaName, statusCodes } from '../lib/stanza.mjs';
import { isError, sentAt } from '../lib/muc.mjs';

function collect(chunks) {
  const out = { open: [], stanzas: [], closed: false };
  const framer = new StanzaFramer({
    onOpen: (tag) => out.open.push(tag),
    onStanza: (s) => out.stanzas.push(s),
    onClose: () => { out.closed = true; },
  });
  for (const chunk of chunks) framer.write(chunk);
  return out;
}

const STREAM = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='x' version='1.0'>";
const STANZAS = [
  "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>ANONYMOUS</mechanism></mechanisms></stream:features>",
  "<message from='r@c/n' type='groupchat' id='a>b'><body>1 2.5</body><x xmlns='y'/></message>",
  '<presence from="r@c/o"><x xmlns="http://jabber.org/protocol/muc#user"><status code="110"/><status code=\'201\'/></x></presence>',
  "<iq type='result' id='b1'/>",
  "<message><body>a &lt;b&gt; &amp; c</body><!-- note --><![CDATA[<not a tag>]]></message>",
];

test('a stream split at every byte yields the same stanzas', () => {
  const text = `${STREAM}\n${STANZAS.join(' \n')}</stream:stream>`;
  const whole = collect([text]);
  assert.deepEqual(whole.stanzas, STANZAS);
  assert.equal(whole.open.length, 1);
  assert.equal(whole.closed, true);
  const bytes = collect([...text]);
  assert.deepEqual(bytes.stanzas, STANZAS);
  assert.equal(bytes.closed, true);
  for (let cut = 1; cut < text.length; cut += 7) {
    assert.deepEqual(collect([text.slice(0, cut), text.slice(cut)]).stanzas, STANZAS, `cut at ${cut}`);
  }
});

test('a restart inside a handler drops the rest of the old stream', () => {
  const seen = [];
  const framer = new StanzaFramer({
    onStanza: (s) => {
      seen.push(s);
      framer.reset();
    },
  });
  framer.write(`${STREAM}<success/><junk/>`);
  framer.write(`${STREAM}<iq id='1'/>`);
  assert.deepEqual(seen, ['<success/>', "<iq id='1'/>"]);
});

test('attributes come from the stanza itself, not its children', () => {
  const stanza = "<message from='room@muc/nick' type='groupchat'><x type='error' from='other'/><body>5 12.5</body></message>";
  assert.equal(attr(stanza, 'from'), 'room@muc/nick');
  assert.equal(attr(stanza, 'id'), undefined);
  assert.equal(isError(stanza), false);
  assert.equal(sentAt(stanza), 12.5);
  assert.equal(stanzaName('<stream:features>'), 'stream:features');
  assert.equal(localName('<stream:features>'), 'features');
  assert.equal(attr(STANZAS[1], 'id'), 'a>b');
  assert.deepEqual(statusCodes(STANZAS[2]), ['110', '201']);
  assert.equal(childText(STANZAS[4], 'body'), 'a <b> & c');
  assert.equal(hasChild(STANZAS[1], 'x'), true);
  assert.equal(hasChild(STANZAS[1], 'xm'), false);
});

test('an error bounce of a groupchat message is not a delivery', () => {
  const bounce = "<message type='error' from='room@muc'><body>5 12.5</body><error type='cancel'/></message>";
  assert.equal(isError(bounce), true);
  assert.ok(Number.isNaN(sentAt(bounce)));
});
