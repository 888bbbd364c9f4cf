/**
 * The confusable skeleton of Unicode TS #39 §4: two strings whose skeletons are equal look
 * alike ("аlice" with a Cyrillic а, "ΑLICE" with a Greek Α, "rn" and "m"). The prototypes
 * come from Unicode's confusables.txt as shipped by `unhomoglyph`; the skeleton is not meant
 * to be shown, only compared.
 */
import prototypesOf from 'unhomoglyph';

const DEFAULT_IGNORABLE = /\p{Default_Ignorable_Code_Point}/gu;

/** skeleton(X): NFD, without default-ignorable code points, each character replaced by its prototype, NFD again. */
export function confusableSkeleton(value: string): string {
  return prototypesOf(value.normalize('NFD').replace(DEFAULT_IGNORABLE, '')).normalize('NFD');
}
