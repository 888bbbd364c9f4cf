import type { AccessControl, Admission } from './control.js';

const NOTHING_TO_RELEASE: Admission = { release() {} };

/** Admits everyone: what an empty [access].allow means until limits apply. */
export const allowAll: AccessControl = {
  admit: () => NOTHING_TO_RELEASE,
};
