// GET /v1/search (docs/search.md).
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { MessageT } from '../messages/schemas.js';
import { MAX_QUERY_CHARS } from './query.js';
import type { SearchService } from './service.js';

const Uuid = Type.String({ format: 'uuid' });
export const SearchQuery = Type.Object({
  q: Type.String({ minLength: 1, maxLength: MAX_QUERY_CHARS, description: 'words, "phrases", prefix*, from:user, in:<conversation id> — all required' }),
  conversation_id: Type.Optional(Uuid),
  sender: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  thread_id: Type.Optional(Uuid),
  before: Type.Optional(Type.String({ format: 'date-time', description: 'only messages created before this time' })),
  after: Type.Optional(Type.String({ format: 'date-time', description: 'only messages created after this time' })),
  sort: Type.Optional(Type.Union([Type.Literal('relevance'), Type.Literal('time')], { default: 'relevance' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 400, pattern: '^[A-Za-z0-9_-]+$' })),
}, { additionalProperties: false });
export type SearchQuery = Static<typeof SearchQuery>;

export const SearchPage = Type.Object({
  results: Type.Array(Type.Object({
    message: MessageT,
    highlights: Type.Array(Type.Array(Type.Integer(), { minItems: 2, maxItems: 2 }), { description: 'the matched words in message.text: [start, end) UTF-16 offsets' }),
    snippet: Type.Object({
      text: Type.String({ description: 'at most 160 characters of message.text around the first match, … where text was left out' }),
      highlights: Type.Array(Type.Array(Type.Integer(), { minItems: 2, maxItems: 2 }), { description: 'the matched words in snippet.text' }),
    }),
    score: Type.Number({ description: 'relevance (the same for a message in every tier)' }),
  })),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
  settled: Type.Boolean({ description: 'false: the warm store was further behind than 2 s; changes acked just now may not be reflected' }),
});

export function searchRoutes(app: FastifyInstance, search: SearchService) {
  app.get<{ Querystring: SearchQuery }>('/v1/search', {
    schema: {
      tags: ['search'], security: [{ bearer: [] }], querystring: SearchQuery, response: { 200: SearchPage },
      summary: 'Search the messages of my conversations (the same results whichever tier holds them)',
    },
  }, async (req, reply) => {
    const p = await search.search(req.user.user, req.query);
    const results = p.results.map((r) => `{"message":${r.message},"highlights":${JSON.stringify(r.highlights)},"snippet":${JSON.stringify(r.snippet)},"score":${r.score}}`);
    return reply.type('application/json').send(`{"results":[${results.join(',')}],"next_cursor":${JSON.stringify(p.next_cursor)},"settled":${p.settled}}`);
  });
}
