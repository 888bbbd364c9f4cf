/** XEP-0050 §4.6: the command errors, each a stanza error with its specific condition. */
import { xml } from '../../xml/element.js';
import { StanzaError } from '../../xml/errors.js';
import { NS } from '../../xml/namespaces.js';

type CommandCondition = 'malformed-action' | 'bad-action' | 'bad-payload' | 'bad-sessionid' | 'session-expired';

function commandError(condition: CommandCondition, text: string): StanzaError {
  const general = condition === 'session-expired' ? 'not-allowed' : 'bad-request';
  const type = condition === 'session-expired' ? 'cancel' : 'modify';
  return new StanzaError(type, general, text, xml(condition, { xmlns: NS.adhoc }));
}

export const malformedAction = (action: string) => commandError('malformed-action', `unknown action "${action}"`);
export const badAction = (text: string) => commandError('bad-action', text);
export const badPayload = (text: string) => commandError('bad-payload', text);
export const badSessionId = () => commandError('bad-sessionid', 'no such command session (start the command again)');
export const sessionExpired = () => commandError('session-expired', 'this command session has expired; start the command again');
