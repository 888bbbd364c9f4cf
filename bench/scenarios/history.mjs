/**
 * history: a room holds `archived` messages (200); a newcomer joins without a <history/>
 * element and gets the room's default history. Timed from the join presence to the subject,
 * which XEP-0045 sends after the history; `joins` newcomers one after another on the fresh
 * server, then `warm_joins` more unmeasured, then `joins` again: a server that has run for a
 * while has its join path compiled (V8's JIT), one just started has not.
 */
import { XmppClient } from '../lib/client.mjs';
import { Samples } from '../lib/stats.mjs';
import { groupchat, isError, joinRoom, setSubject } from '../lib/muc.mjs';
import { childText, hasChild, localName } from '../lib/stanza.mjs';
import { closeAll } from './common.mjs';

export const defaults = { archived: 200, joins: 20, warm_joins: 100, expected_history: 20 };

/** @param {import('./common.mjs').ScenarioContext} ctx */
export async function run(ctx, { archived, joins, warm_joins, expected_history }) {
  const room = `history-${process.pid}-${Date.now().toString(36)}@${ctx.muc}`;
  const owner = new XmppClient(ctx.client);
  const clients = [owner];
  try {
    await owner.login();
    await joinRoom(owner, room, 'owner');
    await setSubject(owner, room, 'history bench');
    // Fill the room; wait for the last reflection so the server has stored every message.
    for (let m = 0; m < archived; m += 20) {
      const last = Math.min(archived, m + 20) - 1;
      const echoed = owner.waitFor((s) => localName(s) === 'message' && childText(s, 'body')?.startsWith(`${last} `) === true, `reflection of message ${last}`);
      for (let k = m; k <= last; k++) owner.send(groupchat(owner, room, k));
      const echo = await echoed;
      if (isError(echo)) throw new Error(`message refused: ${echo.slice(0, 300)}`);
    }

    const historyCounts = [];
    /** Joins `count` newcomers one after another; returns their join times. */
    const joinSeries = async (count, label) => {
      const times = new Samples();
      for (let j = 0; j < count && performance.now() < ctx.deadline; j++) {
        const client = new XmppClient(ctx.client);
        clients.push(client);
        await client.login();
        let history = 0;
        client.onStanza = (stanza) => {
          if (localName(stanza) === 'message' && hasChild(stanza, 'delay') && hasChild(stanza, 'body')) history++;
        };
        const subject = client.waitFor((s) => localName(s) === 'message' && hasChild(s, 'subject') && !hasChild(s, 'body'), 'room subject');
        const start = performance.now();
        await joinRoom(client, room, `${label}${j}`, { history: 'default' });
        await subject;
        times.add(performance.now() - start);
        historyCounts.push(history);
        await client.close();
        clients.pop();
      }
      return times;
    };
    const joinTime = await joinSeries(joins, 'newcomer');
    await joinSeries(warm_joins, 'warm');
    const warmJoinTime = await joinSeries(joins, 'later');
    const complete = historyCounts.filter((n) => n === expected_history).length;
    return {
      archived,
      joins: joinTime.count,
      warm_joins,
      history_received: { min: Math.min(...historyCounts), max: Math.max(...historyCounts) },
      joins_with_expected_history: complete,
      join_ms: joinTime.summary(),
      join_ms_after_warm_up: warmJoinTime.summary(),
    };
  } finally {
    await closeAll(clients);
  }
}
