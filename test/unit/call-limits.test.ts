/**
 * The call policy's per-user invitation buckets and the per-session TURN credential, on a
 * fake clock (the limiter reads performance.now(); the credential takes `now`).
 */
import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InvitationLimits } from '../../server/modules/calls/invitation-limits.js';
import { sessionTurnCredential } from '../../server/modules/calls/session-credential.js';
import { Session } from '../../server/core/session.js';
import { parseJid } from '../../server/jid/jid.js';
import { newCore, RecordingSink } from './core-fixture.js';

describe('call invitation limits', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('give a user its invitations per minute at once, then refill them over the minute', () => {
    const limits = new InvitationLimits(3);
    expect([1, 2, 3, 4].map(() => limits.take('ann@example.org'))).toEqual([true, true, true, false]);
    expect(limits.take('bob@example.org')).toBe(true);
    vi.advanceTimersByTime(20_000);
    expect([limits.take('ann@example.org'), limits.take('ann@example.org')]).toEqual([true, false]);
  });

  it('forget, when full, the users whose buckets have filled up again since their last invitation', () => {
    const limits = new InvitationLimits(2, 2);
    limits.take('ann@example.org');
    limits.take('ann@example.org');
    limits.take('bob@example.org');
    limits.take('bob@example.org');
    // Neither used a bucket for a minute: as the library stores them they still hold 0 tokens.
    vi.advanceTimersByTime(60_000);
    expect(limits.take('cat@example.org')).toBe(true);
    expect(limits.size).toBe(1);
  });

  it('keep, when full, the buckets not yet refilled: forgetting one would give its user a fresh minute', () => {
    const limits = new InvitationLimits(2, 2);
    limits.take('ann@example.org');
    limits.take('ann@example.org');
    limits.take('bob@example.org');
    vi.advanceTimersByTime(10_000); // ann has a third of a token back, bob one and a third: neither full
    expect(limits.take('cat@example.org')).toBe(true);
    expect(limits.size).toBe(3);
    expect(limits.take('ann@example.org')).toBe(false);
  });
});

describe('the TURN credential of a session', () => {
  const HOUR = 3_600_000;
  const T0 = 1_700_000_000_000;
  const session = (): Session => new Session(parseJid('ann@example.org/phone'), newCore().host, new RecordingSink());

  it('is handed out again until half its lifetime is left, then renewed with the same opaque user', () => {
    const ann = session();
    const first = sessionTurnCredential(ann, 's3cret', HOUR, T0);
    expect(first.expires).toBe(T0 + HOUR);
    expect(first.password).toBe(createHmac('sha1', 's3cret').update(first.username).digest('base64'));
    expect(sessionTurnCredential(ann, 's3cret', HOUR, T0 + 10 * 60_000)).toEqual(first);
    expect(sessionTurnCredential(ann, 's3cret', HOUR, T0 + HOUR / 2 - 1000)).toEqual(first);
    const renewed = sessionTurnCredential(ann, 's3cret', HOUR, T0 + HOUR / 2);
    expect(renewed.expires).toBe(T0 + HOUR / 2 + HOUR);
    expect(renewed.username.split(':')[1]).toBe(first.username.split(':')[1]);
    expect(sessionTurnCredential(ann, 's3cret', HOUR, T0 + HOUR / 2 + 60_000)).toEqual(renewed);
  });

  it('is its own for each session', () => {
    const [ann, alsoAnn] = [session(), session()];
    const user = (s: Session): string => sessionTurnCredential(s, 's3cret', HOUR, T0).username.split(':')[1]!;
    expect(user(ann)).not.toBe(user(alsoAnn));
  });
});
