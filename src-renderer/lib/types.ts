/** Input shapes the renderer builds before sending them. */
export interface GeneratorSourceInput {
  generator: string;
  m: number;
  noise?: number;
  seed?: number;
  rng?: 'numpy' | 'default';
  classes?: number;
}
