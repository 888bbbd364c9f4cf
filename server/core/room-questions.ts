import { serviceKey, type Services } from './services.js';

/**
 * A feature's answer, on this node, to a question about rooms: true or false, or null when
 * it is not this node's to say (the room is served elsewhere).
 */
export type Answerer = (args: readonly string[]) => boolean | null;

/** What carries questions to the other nodes of a cluster (carried by cluster/question-channel.ts). */
export interface QuestionCarrier {
  /** The other nodes' answers, combined as RoomQuestions.combine does; null when none could say in time. */
  askOthers(topic: string, args: readonly string[]): Promise<boolean | null>;
  /** Whether this node serves the room now. */
  serves(domain: string, local: string): boolean;
}

/**
 * Questions about rooms that only the node serving a room can answer (is this session an
 * occupant of some room, is this nickname in use there): features register how they answer
 * for this node, and ask the whole cluster. On one node there is nobody else to ask, and
 * every room is served here.
 */
export class RoomQuestions {
  private readonly answerers = new Map<string, Answerer>();
  /** Set while this node is a member of a cluster. */
  carrier: QuestionCarrier | null = null;

  answer(topic: string, answerer: Answerer): void {
    this.answerers.set(topic, answerer);
  }

  get clustered(): boolean {
    return this.carrier !== null;
  }

  serves(domain: string, local: string): boolean {
    return this.carrier?.serves(domain, local) ?? true;
  }

  /** This node's answer (null for a topic nobody here answers). */
  answerHere(topic: string, args: readonly string[]): boolean | null {
    return this.answerers.get(topic)?.(args) ?? null;
  }

  /** This node's and the other nodes' answers together. */
  async ask(topic: string, args: readonly string[]): Promise<boolean | null> {
    const here = this.answerHere(topic, args);
    if (here === true || !this.carrier) return here;
    return RoomQuestions.combine([here, await this.carrier.askOthers(topic, args)]);
  }

  /** Yes when any node says yes, no when one says no and none yes, null when none could say. */
  static combine(answers: readonly (boolean | null)[]): boolean | null {
    if (answers.includes(true)) return true;
    return answers.includes(false) ? false : null;
  }
}

export const ROOM_QUESTIONS = serviceKey<RoomQuestions>('room questions');

/** The server's RoomQuestions, provided by whichever part asks for it first. */
export function roomQuestions(services: Services): RoomQuestions {
  let questions = services.find(ROOM_QUESTIONS);
  if (!questions) {
    questions = new RoomQuestions();
    services.provide(ROOM_QUESTIONS, questions);
  }
  return questions;
}
