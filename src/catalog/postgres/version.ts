/**
 * The statement every writing transaction runs once: the catalog's change counter, by which each machine's store
 * notices what others wrote (CatalogStore.dataVersion).
 */
export const BUMP_VERSION = `UPDATE catalog_meta SET value = (value::int8 + 1)::text WHERE key = 'version'`;
