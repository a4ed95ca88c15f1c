import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { escapeDiscord, escapeSlack, escapeTelegramHTML, fitEscaped, trimEnd, trimMiddle } from '../../../controllers/notifications/channels/text.ts';

describe('trimming and escaping', () => {
  it('trimMiddle keeps both ends with an ellipsis and the exact length', () => {
    const out = trimMiddle('a'.repeat(50) + 'b'.repeat(50), 11);
    assert.equal(out, 'aaaaa…bbbbb');
    assert.equal(trimMiddle('short', 10), 'short');
  });

  it('never splits a surrogate pair', () => {
    const out = trimEnd('😀😀😀😀', 4);
    assert.ok(!/[\ud800-\udbff](?![\udc00-\udfff])/.test(out), JSON.stringify(out));
    assert.ok(out.length <= 4);
  });

  it('escapes each dialect', () => {
    assert.equal(escapeTelegramHTML('<a href="x">&</a>'), '&lt;a href="x"&gt;&amp;&lt;/a&gt;');
    assert.equal(escapeSlack('<!channel> & co'), '&lt;!channel&gt; &amp; co');
    assert.equal(escapeDiscord('trusting_franklin *bold* `x`'), 'trusting\\_franklin \\*bold\\* \\`x\\`');
  });

  it('fitEscaped keeps the escaped text within the limit', () => {
    const out = fitEscaped('&'.repeat(1000), 100, escapeTelegramHTML);
    assert.ok(out.length <= 100, String(out.length));
    assert.ok(out.includes('&amp;'));
    assert.doesNotMatch(out, /&(?!amp;)/);
  });
});
