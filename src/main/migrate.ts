// `strata migrate`: apply warm-store migrations and exit (for operators who migrate separately).
import { resolvedDatabaseUrl, type Config } from '../config.js';
import { createSqlStore } from '../store/sql/sql-store.js';

export async function migrateOnly(config: Config): Promise<string> {
  const store = await createSqlStore(resolvedDatabaseUrl(config));
  try {
    await store.migrate();
    return `migrations applied (${store.dialect})`;
  } finally {
    await store.close();
  }
}
