/**
 * The envelope of every message, the same over WebSocket and IPC:
 * - request  { id, method, params }        renderer → Node
 * - response { id, ok: true, result }      Node → renderer
 *            { id, ok: false, error }
 * - events   { events: ApiEvent[] }        Node → renderer, batched
 * Errors are values with context: a code, a message a person can read, and for an invalid
 * config the issues, each naming its field ("config.train.learning_rate: must be > 0").
 */
import { z } from 'zod';
import { type ConfigIssue, configIssues } from '../src-core/config';
import { ApiEventSchema } from './schemas';

export const RequestSchema = z.strictObject({
  id: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  method: z.string().min(1).max(64),
  params: z.unknown(),
});
export type Request = z.infer<typeof RequestSchema>;

export const ERROR_CODES = [
  /** The message is not JSON or not a request. */
  'malformed',
  /** The message is larger than the limit. */
  'too-large',
  /** No such method. */
  'unknown-method',
  /** The parameters do not fit the method's schema; `issues` says where. */
  'invalid',
  /** The run or sweep does not exist. */
  'not-found',
  /** The request cannot be done now (a run still training, no weights yet). */
  'conflict',
  /** Something failed on the Node side. */
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const IssueSchema = z.object({ path: z.string(), message: z.string() });

export const ApiErrorSchema = z.object({
  code: z.enum(ERROR_CODES),
  message: z.string(),
  issues: z.array(IssueSchema).optional(),
});
export type ApiErrorData = z.infer<typeof ApiErrorSchema>;

export const ResponseSchema = z.union([
  z.object({ id: z.number().nullable(), ok: z.literal(true), result: z.unknown() }),
  z.object({ id: z.number().nullable(), ok: z.literal(false), error: ApiErrorSchema }),
]);
export type Response = z.infer<typeof ResponseSchema>;

export const EventsMessageSchema = z.object({ events: z.array(ApiEventSchema) });
export type EventsMessage = z.infer<typeof EventsMessageSchema>;

/** An API error as a thrown value, on either side. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly issues?: ConfigIssue[],
  ) {
    super(message);
  }

  toData(): ApiErrorData {
    return this.issues ? { code: this.code, message: this.message, issues: this.issues } : { code: this.code, message: this.message };
  }
}

/**
 * zod issues of a message's params as ConfigIssues, named as the config names fields.
 * Issues inside a run config (params.config) are worded by the config's own rules, so the
 * UI shows what `layerlab train` would say, with the path prefixed "config.".
 */
export function paramIssues(error: z.ZodError): ConfigIssue[] {
  const inConfig = error.issues.filter((i) => i.path[0] === 'config' && i.path.length > 1);
  const rest = error.issues.filter((i) => !inConfig.includes(i));
  const stripped = inConfig.map((i) => ({ ...i, path: i.path.slice(1) }));
  return [
    ...configIssues(stripped).map((i) => ({ path: `config.${i.path}`.replace('.[', '['), message: i.message })),
    ...configIssues(rest),
  ];
}

/** One line: "invalid parameters: config.train.learning_rate: must be > 0 (and 2 more)". */
export function summarizeIssues(issues: ConfigIssue[]): string {
  if (issues.length === 0) return 'invalid parameters';
  const first = issues[0];
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  return `invalid parameters: ${first.path ? `${first.path}: ` : ''}${first.message}${more}`;
}
