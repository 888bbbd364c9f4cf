/**
 * Room names from links (server/http/room-address.ts): natural names reach one room, always
 * the same; names that cannot be shown as typed are refused with the reason.
 */
import { describe, expect, it } from 'vitest';
import { configFromObject } from '../../server/config/load.js';
import { roomAddress } from '../../server/http/room-address.js';

const config = configFromObject({ channels: [{ name: 'help', title: 'Help desk' }] }, '/tmp');
const room = (name: string) => {
  const address = roomAddress(config, name);
  if (!('room' in address)) throw new Error(`refused: ${address.problem}`);
  return address;
};
const problem = (name: string) => {
  const address = roomAddress(config, name);
  if (!('problem' in address)) throw new Error(`accepted as ${address.room}`);
  return address.problem;
};

describe('room addresses from typed names', () => {
  it('keeps plain names, with spaces as dashes and case folded', () => {
    expect(room('lobby')).toEqual({ room: 'lobby', name: 'lobby' });
    expect(room('Lobby').room).toBe('lobby');
    expect(room('my room')).toEqual({ room: 'my-room', name: 'my room' });
    expect(room('  My   Room ').room).toBe('my-room');
    expect(room('my-room').room).toBe('my-room');
    expect(room('Café Zürich')).toEqual({ room: 'café-zürich', name: 'Café Zürich' });
    // NFD input (as some keyboards send it) reaches the same room as NFC.
    expect(room('Cafe\u0301 Zu\u0308rich').room).toBe('café-zürich');
    expect(room('Тестовая комната').room).toBe('тестовая-комната');
  });

  it('finds a configured room by its title', () => {
    expect(room('Help desk')).toEqual({ room: 'help', name: 'Help desk' });
    expect(room('help DESK').room).toBe('help');
  });

  it('turns names an address cannot hold into a readable part and a stable hash', () => {
    const party = room('🎉party');
    expect(party.room).toMatch(/^party-[a-z2-7]{8}$/);
    expect(party.name).toBe('🎉party');
    expect(room('🎉party').room).toBe(party.room);
    expect(room('🎉PARTY').room).toBe(party.room);
    // Names that differ only in what was dropped stay apart, and apart from the plain name.
    expect(room('🎊party').room).not.toBe(party.room);
    expect(room('party').room).toBe('party');
    expect(room('🎉').room).toMatch(/^room-[a-z2-7]{8}$/);
    expect(room('a@b').room).toMatch(/^ab-[a-z2-7]{8}$/);
    // The derived address is itself a plain name: it reaches the same room.
    expect(room(party.room).room).toBe(party.room);
    // A stable result across versions: links in the wild depend on it.
    expect(room('🎉party').room).toBe('party-bsg5z3rn');
    expect(room('Tom & Jerry').room).toBe('tom-jerry-s6eaxx4k');
  });

  it('says which character cannot be used, and why', () => {
    expect(problem('')).toBe('Please choose a room.');
    expect(problem('   ')).toBe('Please choose a room.');
    expect(problem('bad\u200bname')).toContain('U+200B (a zero-width space)');
    expect(problem('bad\u200bname')).toContain('invisible or control characters');
    expect(problem('two\nlines')).toContain('U+000A (a line break)');
    expect(problem('evil\u202eexe')).toContain('U+202E');
    expect(problem('x'.repeat(65))).toBe('That room name is too long. Please use at most 64 characters.');
    expect(room('x'.repeat(64)).room).toBe('x'.repeat(64));
  });
});
