/** An element sent as known text: the text while untouched, the full element with any change made to it. */
import { describe, expect, it } from 'vitest';
import { parse } from 'ltx';
import { xml } from '../../server/xml/element.js';
import { SerializedElement } from '../../server/xml/serialized-element.js';

const full = () => xml('message', { to: 'a@b/c', type: 'groupchat' }, xml('body', {}, 'hi'));
const text = "<message to='a@b/c' type='groupchat'><body>hi</body></message>";

/** A transport adds xmlns, a module a child: both must be in what is written, with the original content. */
function expectChangesWritten(element: SerializedElement): void {
  element.attrs.xmlns = 'jabber:client';
  element.cnode(xml('extra', { xmlns: 'urn:example' }));
  const out = parse(element.toString());
  expect(out.attrs).toMatchObject({ xmlns: 'jabber:client', to: 'a@b/c', type: 'groupchat' });
  expect(out.getChildText('body')).toBe('hi');
  expect(out.getChild('extra', 'urn:example')).toBeTruthy();
}

describe('SerializedElement', () => {
  it('serialises as the given text, without building the element', () => {
    let built = 0;
    const element = SerializedElement.withoutChildren('message', { to: 'a@b/c' }, text, () => { built++; return full(); });
    expect(element.toString()).toBe(text);
    const chunks: string[] = [];
    element.write((chunk: string) => chunks.push(chunk));
    expect(chunks.join('')).toBe(text);
    expect(built).toBe(0);
  });

  it('honours an attribute or a child added after it was made', () => {
    const element = SerializedElement.withoutChildren('message', { to: 'a@b/c' }, text, full);
    expectChangesWritten(element);
  });

  it('honours a changed or removed attribute', () => {
    const element = SerializedElement.withoutChildren('message', { to: 'a@b/c' }, text, full);
    element.attrs.to = 'x@y/z';
    expect(parse(element.toString()).attrs.to).toBe('x@y/z');
  });

  it('made complete, writes its text until changed, then serialises what it holds', () => {
    const children = full().children;
    const element = SerializedElement.complete('message', { to: 'a@b/c', type: 'groupchat' }, children, text);
    expect(element.toString()).toBe(text);
    expect(element.getChildText('body')).toBe('hi');
    expectChangesWritten(element);
    expect(children).toHaveLength(1);
  });
});
