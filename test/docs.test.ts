// The generated parts of docs/ must match the code they describe (run `npm run docs`).
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generated, withGenerated } from '../scripts/docs.js';
import { schema } from '../src/config.js';
import { errorCodes } from '../src/errors.js';

describe('docs stay in step with the code', () => {
  for (const [file, gen] of Object.entries(generated)) {
    it(`${file} is up to date (npm run docs)`, () => {
      expect(fs.readFileSync(file, 'utf8')).toBe(withGenerated(file, gen()));
    });
  }

  it('every config key and every error code is documented', () => {
    const config = fs.readFileSync('docs/config.md', 'utf8');
    for (const def of Object.values(schema)) expect(config).toContain(`\`${def.env}\``);
    const errors = fs.readFileSync('docs/errors.md', 'utf8');
    for (const code of Object.keys(errorCodes)) expect(errors).toContain(`\`${code}\``);
  });
});
