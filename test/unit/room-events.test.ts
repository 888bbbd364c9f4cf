import { describe, expect, it } from 'vitest';
import { RoomEvents } from '../../server/muc/room-events.js';
import type { Room } from '../../server/muc/room.js';

const room = { name: 'lobby' } as Room;

describe('room events', () => {
  it('a feature of higher priority answers history first, and memory history is not asked', () => {
    const events = new RoomEvents();
    const asked: string[] = [];
    events.on('history-get', (request) => {
      asked.push('memory');
      request.messages = [];
    });
    events.on('history-get', (request) => {
      asked.push('archive');
      request.messages = [{ id: 'a1', stanza: undefined as never, timestamp: 1 }];
      return true;
    }, 10);
    const request = { room, max: 5, messages: [] as { id: string }[] };
    expect(events.emit('history-get', request as never)).toBe(true);
    expect(asked).toEqual(['archive']);
    expect(request.messages.map((message) => message.id)).toEqual(['a1']);
  });

  it('hooks of equal priority run in the order the feature list installs them, each adding its status codes', () => {
    const events = new RoomEvents();
    events.on('join-status-codes', ({ codes }) => { codes.push(170); });
    events.on('join-status-codes', ({ codes }) => { codes.push(201); });
    const codes: number[] = [100];
    expect(events.emit('join-status-codes', { room, codes })).toBe(false);
    expect(codes).toEqual([100, 170, 201]);
  });

  it('a hook that throws refuses: the hooks after it do not run', () => {
    const events = new RoomEvents();
    const ran: string[] = [];
    events.on('disco-info', () => { throw new Error('refused'); }, 1);
    events.on('disco-info', () => { ran.push('later'); });
    expect(() => events.emit('disco-info', { room, features: [] })).toThrow('refused');
    expect(ran).toEqual([]);
  });
});
