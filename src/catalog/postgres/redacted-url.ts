/**
 * A PostgreSQL URL as it may be shown to users: its password replaced by `***` (in the user part and in a
 * `password=` parameter). Text that is no URL is shown with anything between `:` and `@` after `//` hidden.
 */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***');
    return parsed.toString();
  } catch {
    return url.replace(/(\/\/[^/:@]*:)[^@]*@/, '$1***@').replace(/(password=)[^&\s]*/gi, '$1***');
  }
}
