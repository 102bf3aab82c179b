/**
 * Why something failed, in one line, for messages that wrap an error: Node's own message for
 * system errors (it carries the errno code and the call, e.g. "ENOENT: no such file or directory,
 * stat 'x'", so EACCES is not reported as "not found"), else the error's first line.
 */
export function errorReason(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const line = message.split('\n')[0]!;
  return code && !line.includes(code) ? `${code}: ${line}` : line;
}
