// Schema validation: bodies are validated strictly (a number is never coerced into a string);
// query strings and path params are coerced from text, as they arrive as text.
import AjvModule from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance } from 'fastify';

const Ajv = AjvModule.default ?? AjvModule;
const addFormats = addFormatsModule.default ?? addFormatsModule;

function make(coerce: boolean) {
  const ajv = new (Ajv as unknown as typeof AjvModule.default)({ coerceTypes: coerce ? 'array' : false, useDefaults: true, removeAdditional: false, allErrors: false, strict: false });
  (addFormats as unknown as (a: unknown) => void)(ajv);
  return ajv;
}

export function installValidation(app: FastifyInstance) {
  const strict = make(false);
  const coercing = make(true);
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? strict : coercing).compile(schema));
}
