/**
 * The review page's built files (index.html, app.js, app.css, icons), which `npm run build` writes to dist/page/.
 * Built, this module sits in dist/serve/; run from the TypeScript sources (the tests), it finds the same folder
 * from src/serve/.
 */
export const pageDirUrl: URL = import.meta.url.endsWith('.ts')
  ? new URL('../../dist/page/', import.meta.url)
  : new URL('../page/', import.meta.url);
