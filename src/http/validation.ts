// Schema validation: bodies are validated strictly (a number is never coerced into a string);
// query strings and path params are coerced from text, as they arrive as text.
// Before any schema, every string of the part (object keys included) must be one Strata can
// store: well-formed UTF-16, no NUL (model/text.ts); otherwise VALIDATION_FAILED naming the field.
import AjvModule, { type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance } from 'fastify';
import { findBadString } from '../model/text.js';

const Ajv = AjvModule.default ?? AjvModule;
const addFormats = addFormatsModule.default ?? addFormatsModule;

function make(coerce: boolean) {
  const ajv = new (Ajv as unknown as typeof AjvModule.default)({ coerceTypes: coerce ? 'array' : false, useDefaults: true, removeAdditional: false, allErrors: false, strict: false });
  (addFormats as unknown as (a: unknown) => void)(ajv);
  return ajv;
}

type Validate = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };

/** `validate`, preceded by the stored-string check of model/text.ts; errors in ajv's shape. */
export function withStorableStrings(validate: Validate): Validate {
  const wrapped: Validate = (data) => {
    const bad = findBadString(data);
    if (bad) {
      wrapped.errors = [bad];
      return false;
    }
    const ok = validate(data);
    wrapped.errors = validate.errors;
    return ok;
  };
  return wrapped;
}

export function installValidation(app: FastifyInstance) {
  const strict = make(false);
  const coercing = make(true);
  app.setValidatorCompiler(({ schema, httpPart }) => withStorableStrings((httpPart === 'body' ? strict : coercing).compile(schema)));
}
