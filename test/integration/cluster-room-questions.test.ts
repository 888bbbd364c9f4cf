/**
 * The room question channel between members over the real Redis: the first yes ends the
 * wait, all "not mine" answers give null, a member that never answers costs the timeout and
 * counts as not knowing.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterConnection } from '../../server/cluster/connection.js';
import { ANSWER_TIMEOUT_MS, QuestionChannel } from '../../server/cluster/question-channel.js';
import { RoomQuestions } from '../../server/core/room-questions.js';
import { createLogger } from '../../server/log.js';
import { clearPrefix, REDIS_TEST_URL, requireRedis, testClusterPrefix } from '../helpers/redis.js';

const log = createLogger({ log: { level: 'silent' } } as Parameters<typeof createLogger>[0]);
let prefix: string;
const opened: Redis[] = [];
const channels: QuestionChannel[] = [];

function connection(member: string): ClusterConnection {
  const redis = new Redis(REDIS_TEST_URL);
  const subscriber = new Redis(REDIS_TEST_URL);
  opened.push(redis, subscriber);
  return { redis, subscriber, prefix, node: member, member, close: async () => {} };
}

/** A member whose answer to the topic 'room/has' is `answer` for every question. */
async function member(name: string, answer: boolean | null): Promise<{ questions: RoomQuestions; asked: string[][] }> {
  const questions = new RoomQuestions();
  const asked: string[][] = [];
  questions.answer('room/has', (args) => {
    asked.push([...args]);
    return answer;
  });
  const channel = new QuestionChannel(connection(name), questions, () => answer !== null, log);
  await channel.start();
  channels.push(channel);
  return { questions, asked };
}

beforeAll(async () => {
  await requireRedis();
  prefix = testClusterPrefix();
});
afterAll(async () => {
  for (const channel of channels) channel.stop();
  await Promise.all(opened.map((client) => client.quit()));
  await clearPrefix(prefix);
});

describe('room questions over Redis', () => {
  it('asks every other member once; yes from one is yes, "not mine" from all is null, a silent member costs the timeout', async () => {
    const asker = await member('asker', null);
    const other = await member('other', null);
    expect(await asker.questions.ask('room/has', ['lobby', 'a\nb\tc'])).toBeNull();
    expect(other.asked).toEqual([['lobby', 'a\nb\tc']]);
    // Its own question is not sent back to the asker.
    expect(asker.asked).toEqual([['lobby', 'a\nb\tc']]);

    const serving = await member('serving', true);
    expect(await asker.questions.ask('room/has', ['lobby'])).toBe(true);
    expect(serving.asked).toEqual([['lobby']]);

    // A member that reads the channel and never answers.
    const silent = connection('silent');
    await silent.subscriber.subscribe(`${prefix}room-questions`);
    const started = Date.now();
    expect(await other.questions.ask('room/has', ['hall'])).toBe(true);
    expect(Date.now() - started).toBeLessThan(ANSWER_TIMEOUT_MS);
    serving.questions.answer('room/has', () => false);
    const before = Date.now();
    expect(await other.questions.ask('room/has', ['hall'])).toBe(false);
    expect(Date.now() - before).toBeGreaterThanOrEqual(ANSWER_TIMEOUT_MS - 50);
  });
});
