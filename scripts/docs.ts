// Regenerates the parts of docs/ that are derived from code: `npm run docs`.
// test/docs.test.ts fails when they are out of step.
import fs from 'node:fs';
import { configDocs } from '../src/config.js';
import { errorDocs } from '../src/errors.js';

export const BEGIN = '<!-- generated: begin -->';
export const END = '<!-- generated: end -->';

export function withGenerated(file: string, table: string): string {
  const text = fs.readFileSync(file, 'utf8');
  const a = text.indexOf(BEGIN);
  const b = text.indexOf(END);
  if (a < 0 || b < a) throw new Error(`${file} lacks the generated markers`);
  return `${text.slice(0, a + BEGIN.length)}\n${table}\n${text.slice(b)}`;
}

export const generated = { 'docs/config.md': configDocs, 'docs/errors.md': errorDocs };

if (process.argv[1]?.endsWith('docs.ts')) {
  for (const [file, gen] of Object.entries(generated)) {
    fs.writeFileSync(file, withGenerated(file, gen()));
    console.log(`updated ${file}`);
  }
}
