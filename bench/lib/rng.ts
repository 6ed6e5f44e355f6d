// Seedable random generator for synthetic traffic (mulberry32): the same seed gives the same
// users, conversations, senders and texts on every run and in every process.

export type Rng = () => number;

export function rng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function int(r: Rng, n: number): number {
  return Math.floor(r() * n);
}

const WORDS = ['hello', 'ship', 'it', 'lunch', 'at', 'noon', 'the', 'build', 'is', 'green', 'again', 'see', 'you',
  'review', 'please', 'thanks', 'merged', 'deploy', 'tomorrow', 'coffee', 'meeting', 'moved', 'to', 'three'];

/** A chat-like text of 5–25 words (about 30–150 bytes). */
export function text(r: Rng): string {
  const n = 5 + int(r, 21);
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(WORDS[int(r, WORDS.length)]);
  return out.join(' ');
}
