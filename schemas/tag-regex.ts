// include-tags / exclude-tags are Go (RE2) regular expressions in Sentinel. We run them as JavaScript
// RegExps, so accept only the common subset: RE2's leading flag group "(?i)" becomes a JS flag, and the
// JS-only features (look-around, back-references) are refused, so that a pattern means the same in both.

const LEADING_FLAGS = /^\(\?([imsU]+)\)/;
const JS_ONLY = /\(\?<?[=!]|\\[1-9]|\\k</;

/** Compiles a tag filter; throws an Error saying what is wrong. */
export function compileTagRegex(pattern: string): RegExp {
  let source = pattern;
  let flags = 'u';
  const leading = LEADING_FLAGS.exec(source);
  if (leading !== null) {
    source = source.slice(leading[0].length);
    for (const flag of leading[1] ?? '') {
      if (flag === 'U') throw new Error('the RE2 flag U (ungreedy) is not supported');
      if (!flags.includes(flag)) flags += flag;
    }
  }
  if (JS_ONLY.test(source)) throw new Error('look-around and back-references are not supported (RE2 syntax)');
  try {
    return new RegExp(source, flags);
  } catch (error) {
    throw new Error(error instanceof Error ? error.message.replace(/^Invalid regular expression: /, '') : String(error));
  }
}
