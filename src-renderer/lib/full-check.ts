/**
 * The zod check of a method's result, for the methods lib/messages.ts has no light shape
 * for. Loaded on first use, so that zod and the config's schemas stay out of the runs
 * view's first code.
 */
import { API_METHODS, type MethodName } from '../../src-api/methods';

/** The result as zod parses it, or the reason it does not fit. */
export function checkResult(method: MethodName, result: unknown): { ok: true; value: unknown } | { ok: false; reason: string } {
  const parsed = API_METHODS[method].result.safeParse(result);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, reason: `${issue.path.join('.') || 'the top'}: ${issue.message}` };
}
