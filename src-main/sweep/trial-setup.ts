/**
 * What a trial process sets before anything else is loaded: trial-process.ts imports this
 * module first, so it runs before any module builds a zod schema.
 *
 * zod is made "jitless": by default it compiles a fast path for every object schema, with
 * `new Function`, on that schema's first parse (and probes once whether `new Function` is
 * allowed). A driver or the app parses the same schemas over and over and gains from it; a
 * trial process parses the run request and the run config once per trial, so it paid for
 * the compiling and barely used what it compiled: without it, 9.4–9.5 ms of CPU instead of
 * 21.7–25.5 between a fresh process's first message and its first trial's start, and a few ms
 * less to that first message (medians of 10 and 12 alternated fresh processes, under load).
 * What zod accepts and the messages it gives are the same either way.
 */
import { z } from 'zod';

z.config({ jitless: true });
