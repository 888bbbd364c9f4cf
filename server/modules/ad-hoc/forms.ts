/**
 * The data forms (XEP-0004) of ad-hoc commands: building a form or a result, and reading a
 * submitted form, capped so that a client cannot make the server hold more than a stanza.
 */
import { xml, type Element } from '../../xml/element.js';
import { NS } from '../../xml/namespaces.js';
import { formFields } from '../../xml/data-forms.js';
import { badPayload } from './errors.js';

export type FieldType = 'hidden' | 'fixed' | 'text-single' | 'text-multi' | 'list-single' | 'jid-multi' | 'jid-single' | 'boolean';

export interface FieldSpec {
  var: string;
  type: FieldType;
  label?: string;
  required?: boolean;
  values?: readonly string[];
  options?: readonly { label: string; value: string }[];
}

export interface FormSpec {
  title?: string;
  instructions?: string;
  /** The hidden FORM_TYPE (XEP-0068), e.g. XEP-0133's http://jabber.org/protocol/admin. */
  formType: string;
  fields: readonly FieldSpec[];
}

export function buildForm(type: 'form' | 'result', spec: FormSpec): Element {
  return xml('x', { xmlns: NS.dataForms, type },
    spec.title !== undefined && xml('title', {}, spec.title),
    spec.instructions !== undefined && xml('instructions', {}, spec.instructions),
    xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, spec.formType)),
    ...spec.fields.map(buildField));
}

function buildField(field: FieldSpec): Element {
  return xml('field', { var: field.var, type: field.type, label: field.label },
    field.required === true && xml('required'),
    ...(field.values ?? []).map((value) => xml('value', {}, value)),
    ...(field.options ?? []).map((option) => xml('option', { label: option.label }, xml('value', {}, option.value))));
}

/** What a requester submitted: each field's values, in order. */
export class SubmittedForm {
  constructor(private readonly fields: ReadonlyMap<string, readonly string[]>) {}

  values(name: string): readonly string[] {
    return this.fields.get(name) ?? [];
  }

  /** A text-multi field's lines joined, or a single value; '' when absent. */
  text(name: string): string {
    return this.values(name).join('\n');
  }

  /** The field's text, which must not be blank (a required field). */
  requiredText(name: string, label: string): string {
    const text = this.text(name);
    if (text.trim() === '') throw badPayload(`${label} is required`);
    return text;
  }
}

/**
 * Reads the jabber:x:data form of a <command/>: it must be a submitted form (type 'submit'),
 * and its FORM_TYPE, when given, must be the command's.
 */
export function readSubmittedForm(command: Element, formType: string): SubmittedForm {
  const x = command.getChild('x', NS.dataForms);
  if (!x) throw badPayload('this step needs the filled-in form');
  if (x.attrs.type !== 'submit') throw badPayload(`send the form with type "submit", not "${String(x.attrs.type)}"`);
  const fields = formFields(x);
  const submittedType = fields.get('FORM_TYPE')?.[0];
  if (submittedType !== undefined && submittedType !== formType) throw badPayload(`this form's FORM_TYPE is ${formType}`);
  return new SubmittedForm(fields);
}
