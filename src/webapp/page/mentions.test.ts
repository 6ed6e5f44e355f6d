// The page's mention rule (mentions.ts): what typing "@user" puts into a send's `mentions`.
import { describe, expect, it } from 'vitest';
import { mentionSpans, mentionsIn } from './mentions.js';

const members = ['alice', 'bob', 'bob.smith', 'zoë'];

describe('mentions typed as @user', () => {
  it('names members after an @ at a word start, each once, sorted', () => {
    expect(mentionsIn('@bob and @alice, hi @bob!', members)).toEqual(['alice', 'bob']);
    expect(mentionsIn('(@zoë)', members)).toEqual(['zoë']);
    expect(mentionsIn('no one here', members)).toEqual([]);
  });

  it('is not an e-mail address, a longer word, or someone outside the conversation', () => {
    expect(mentionsIn('mail@bob.example', members)).toEqual([]);
    expect(mentionsIn('@bobby @bob_ @bob-x @carol', members)).toEqual([]);
    expect(mentionsIn('@bob.', members)).toEqual(['bob']);
  });

  it('takes the longest member id that fits', () => {
    expect(mentionsIn('@bob.smith said', members)).toEqual(['bob.smith']);
    expect(mentionSpans('hey @bob.smith and @bob', members)).toEqual([{ at: 4, user: 'bob.smith' }, { at: 19, user: 'bob' }]);
  });
});
