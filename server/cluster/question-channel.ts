import type { Logger } from '../log.js';
import type { ClusterConnection } from './connection.js';
import { RoomQuestions, type QuestionCarrier } from '../core/room-questions.js';

/** Past this, the nodes that did not answer count as not knowing (a node that dies mid-question). */
export const ANSWER_TIMEOUT_MS = 1_500;

interface Pending {
  expected: number;
  answers: (boolean | null)[];
  resolve: (answer: boolean | null) => void;
  timer: NodeJS.Timeout;
}

/**
 * Room questions over Redis: a question is published once on a channel every node reads
 * (`Q\n<asker member>\n<id>\n<topic>\n<args as JSON>`); each other node answers on the
 * asker's own channel (`A\n<id>\n<y|n|->`). PUBLISH counts its receivers, so the asker knows
 * how many answers to wait for, and stops at the first yes. Nothing is stored.
 */
export class QuestionChannel implements QuestionCarrier {
  private readonly questionsChannel: string;
  private readonly answersChannel: string;
  private readonly pending = new Map<string, Pending>();
  private nextId = 0;
  private readonly onMessage = (channel: string, text: string): void => {
    try {
      if (channel === this.questionsChannel) this.question(text);
      else if (channel === this.answersChannel) this.answer(text);
    } catch (error) {
      this.log.warn({ err: error }, 'cluster: a room question failed');
    }
  };

  constructor(
    private readonly connection: ClusterConnection,
    private readonly questions: RoomQuestions,
    readonly serves: (domain: string, local: string) => boolean,
    private readonly log: Logger,
  ) {
    this.questionsChannel = `${connection.prefix}room-questions`;
    this.answersChannel = `${connection.prefix}room-answers:${connection.member}`;
  }

  async start(): Promise<void> {
    this.connection.subscriber.on('message', this.onMessage);
    await this.connection.subscriber.subscribe(this.questionsChannel, this.answersChannel);
    this.questions.carrier = this;
  }

  stop(): void {
    this.questions.carrier = null;
    this.connection.subscriber.off('message', this.onMessage);
    for (const [id, pending] of this.pending) this.settle(id, pending);
  }

  askOthers(topic: string, args: readonly string[]): Promise<boolean | null> {
    const id = String(++this.nextId);
    const frame = `Q\n${this.connection.member}\n${id}\n${topic}\n${JSON.stringify(args)}`;
    return new Promise((resolve) => {
      const pending: Pending = { expected: Infinity, answers: [], resolve, timer: setTimeout(() => this.settle(id, pending), ANSWER_TIMEOUT_MS) };
      this.pending.set(id, pending);
      this.connection.redis.publish(this.questionsChannel, frame).then((receivers) => {
        // This node reads the channel too, and does not answer itself.
        pending.expected = receivers - 1;
        if (pending.answers.length >= pending.expected) this.settle(id, pending);
      }, (error: unknown) => {
        this.log.warn({ err: error }, 'cluster: could not ask the other nodes about a room');
        this.settle(id, pending);
      });
    });
  }

  private settle(id: string, pending: Pending): void {
    if (this.pending.get(id) !== pending) return;
    this.pending.delete(id);
    clearTimeout(pending.timer);
    pending.resolve(RoomQuestions.combine(pending.answers));
  }

  private question(text: string): void {
    const [kind, asker, id, topic, json] = text.split('\n');
    if (kind !== 'Q' || asker === undefined || id === undefined || topic === undefined || json === undefined) return;
    if (asker === this.connection.member) return;
    const args: unknown = JSON.parse(json);
    if (!Array.isArray(args) || !args.every((arg) => typeof arg === 'string')) return;
    const answer = this.questions.answerHere(topic, args);
    const word = answer === null ? '-' : answer ? 'y' : 'n';
    this.connection.redis.publish(`${this.connection.prefix}room-answers:${asker}`, `A\n${id}\n${word}`).catch((error: unknown) => {
      this.log.warn({ err: error }, 'cluster: could not answer another node\'s room question');
    });
  }

  private answer(text: string): void {
    const [kind, id, word] = text.split('\n');
    const pending = id === undefined ? undefined : this.pending.get(id);
    if (kind !== 'A' || !pending) return;
    const answer = word === 'y' ? true : word === 'n' ? false : null;
    pending.answers.push(answer);
    if (answer === true || pending.answers.length >= pending.expected) this.settle(id!, pending);
  }
}
