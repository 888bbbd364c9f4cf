import type { Element } from './element.js';
import { StanzaError } from './errors.js';

/** Fields and values a submitted form may hold; past these it is refused, not truncated. */
export const FORM_CAPS = { fields: 32, values: 500 } as const;

/**
 * The fields of a jabber:x:data form (XEP-0004) by var, each with its values in order, capped
 * so that a client cannot make the server hold more than a stanza.
 */
export function formFields(x: Element): Map<string, string[]> {
  const fields = new Map<string, string[]>();
  let valueCount = 0;
  for (const field of x.getChildren('field')) {
    const name = field.attrs.var;
    if (typeof name !== 'string' || name === '') continue;
    if (fields.size >= FORM_CAPS.fields) throw new StanzaError('modify', 'policy-violation', `a form has at most ${FORM_CAPS.fields} fields`);
    const values = field.getChildren('value').map((value) => value.getText());
    valueCount += values.length;
    if (valueCount > FORM_CAPS.values) throw new StanzaError('modify', 'policy-violation', `a form has at most ${FORM_CAPS.values} values`);
    fields.set(name, values);
  }
  return fields;
}
