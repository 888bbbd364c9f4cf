import { createHash } from 'node:crypto';
import type { Element } from '../../xml/element.js';
import { NS } from '../../xml/namespaces.js';

/** What XEP-0115 hashes: a disco#info answer's identities, features and extended forms. */
export interface DiscoInfoParts {
  identities: readonly { category: string; type: string; name?: string; lang?: string }[];
  features: readonly string[];
  forms: readonly Element[];
}

/** XEP-0115 hash names (IANA) and their node:crypto names; others are not verified. */
const HASHES: Readonly<Record<string, string>> = {
  'sha-1': 'sha1', 'sha-224': 'sha224', 'sha-256': 'sha256', 'sha-384': 'sha384', 'sha-512': 'sha512',
};

export function isSupportedHash(hash: string): boolean {
  return Object.hasOwn(HASHES, hash);
}

/** XEP-0115 §5.1: the verification string, hashed and base64-encoded. */
export function capsVerification(parts: DiscoInfoParts, hash = 'sha-1'): string {
  const algorithm = HASHES[hash];
  if (algorithm === undefined) throw new Error(`unsupported caps hash ${hash}`);
  return createHash(algorithm).update(verificationString(parts), 'utf8').digest('base64');
}

function verificationString(parts: DiscoInfoParts): string {
  const identities = parts.identities
    .map((identity) => `${identity.category}/${identity.type}/${identity.lang ?? ''}/${identity.name ?? ''}`)
    .sort(compareOctets);
  const features = [...parts.features].sort(compareOctets);
  const forms = parts.forms
    .map((form) => ({ type: formType(form) ?? '', text: formString(form) }))
    .sort((a, b) => compareOctets(a.type, b.type));
  return [...identities, ...features].map((part) => `${part}<`).join('') + forms.map((form) => form.text).join('');
}

function formString(form: Element): string {
  const fields = form.getChildren('field')
    .filter((field) => field.attrs.var !== 'FORM_TYPE')
    .sort((a, b) => compareOctets(String(a.attrs.var ?? ''), String(b.attrs.var ?? '')));
  let text = `${formType(form) ?? ''}<`;
  for (const field of fields) {
    text += `${String(field.attrs.var ?? '')}<`;
    for (const value of field.getChildren('value').map((v) => v.getText()).sort(compareOctets)) text += `${value}<`;
  }
  return text;
}

function formType(form: Element): string | undefined {
  return form.getChildren('field').find((field) => field.attrs.var === 'FORM_TYPE')?.getChildText('value') ?? undefined;
}

/**
 * XEP-0115 sorts by "i;octet" collation: byte order of the UTF-8 strings. UTF-16 code unit
 * order (JavaScript's <) is the same except where a surrogate pair meets U+E000..U+FFFF, so
 * only strings with a surrogate are compared as bytes.
 */
function compareOctets(a: string, b: string): number {
  if (SURROGATE.test(a) || SURROGATE.test(b)) return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
  return a < b ? -1 : a > b ? 1 : 0;
}

const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * The parts of a disco#info result, or undefined when XEP-0115 §5.4 says not to trust its
 * hash: duplicate identities, features or extended form types.
 */
export function discoInfoParts(query: Element): DiscoInfoParts | undefined {
  const identities = query.getChildren('identity').map((identity) => ({
    category: String(identity.attrs.category ?? ''),
    type: String(identity.attrs.type ?? ''),
    name: identity.attrs.name === undefined ? undefined : String(identity.attrs.name),
    lang: identity.attrs['xml:lang'] === undefined ? undefined : String(identity.attrs['xml:lang']),
  }));
  const features = query.getChildren('feature').map((feature) => String(feature.attrs.var ?? ''));
  // §5.4: a form without a FORM_TYPE is left out of the hash, not a reason to distrust it.
  const forms = query.getChildren('x', NS.dataForms).filter((form) => formType(form) !== undefined);
  const identityKeys = identities.map((i) => `${i.category}/${i.type}/${i.lang ?? ''}`);
  if (new Set(identityKeys).size !== identityKeys.length || new Set(features).size !== features.length) return undefined;
  const formTypes = forms.map(formType);
  if (new Set(formTypes).size !== formTypes.length) return undefined;
  return { identities, features, forms };
}
